//! Issue 15 item 5: how readable mermaid-rs-renderer lays out the demo's flowchart
//! (`content/platform/incident-response.md`): edge crossings, crossings between the edges of one
//! decision node, and edge labels that sit nearer another edge than their own or on top of
//! another label. `mermaid_layout_options_sweep` (ignored: run with `--ignored --nocapture`)
//! measures these over the renderer's layout options; the numbers are in the closing note of
//! issue 15. The layout is the renderer's own `compute_layout`, the same call `src/render/mermaid.rs` makes.

use mermaid_rs_renderer::{LayoutConfig, Theme};

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// The Mermaid blocks of a Markdown file, in order.
fn mermaid_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_start().starts_with("```mermaid") => current = Some(String::new()),
            Some(_) if line.trim_start().starts_with("```") => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Readability {
    /// Pairs of edges whose lines cross outside any node.
    crossings: usize,
    /// Crossings between two edges that share a decision (diamond) node: a twisted branch.
    decision_twists: usize,
    /// Edge labels nearer another edge's line than their own.
    labels_on_other_edges: usize,
    /// Pairs of edge labels whose boxes overlap.
    stacked_labels: usize,
    width: f32,
    height: f32,
}

type Point = (f32, f32);

fn segments(points: &[Point]) -> impl Iterator<Item = (Point, Point)> + '_ {
    points.windows(2).map(|w| (w[0], w[1]))
}

fn cross_point(a: (Point, Point), b: (Point, Point)) -> Option<Point> {
    let ((x1, y1), (x2, y2)) = a;
    let ((x3, y3), (x4, y4)) = b;
    let d = (x2 - x1) * (y4 - y3) - (y2 - y1) * (x4 - x3);
    if d.abs() < 1e-6 {
        return None;
    }
    let t = ((x3 - x1) * (y4 - y3) - (y3 - y1) * (x4 - x3)) / d;
    let u = ((x3 - x1) * (y2 - y1) - (y3 - y1) * (x2 - x1)) / d;
    ((0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u))
        .then(|| (x1 + t * (x2 - x1), y1 + t * (y2 - y1)))
}

fn distance_to_polyline(p: Point, points: &[Point]) -> f32 {
    segments(points)
        .map(|((x1, y1), (x2, y2))| {
            let (dx, dy) = (x2 - x1, y2 - y1);
            let len = dx * dx + dy * dy;
            let t = if len == 0.0 {
                0.0
            } else {
                (((p.0 - x1) * dx + (p.1 - y1) * dy) / len).clamp(0.0, 1.0)
            };
            ((p.0 - x1 - t * dx).powi(2) + (p.1 - y1 - t * dy).powi(2)).sqrt()
        })
        .fold(f32::INFINITY, f32::min)
}

fn measure(source: &str, config: &LayoutConfig) -> Readability {
    let parsed = mermaid_rs_renderer::parse_mermaid_strict(source).expect("the demo parses");
    let layout = mermaid_rs_renderer::compute_layout(&parsed.graph, &Theme::neutral(), config);
    let inside_node = |p: Point| {
        layout.nodes.values().any(|n| {
            p.0 >= n.x - 1.0
                && p.0 <= n.x + n.width + 1.0
                && p.1 >= n.y - 1.0
                && p.1 <= n.y + n.height + 1.0
        })
    };
    let diamond = |id: &str| {
        layout
            .nodes
            .get(id)
            .is_some_and(|n| matches!(n.shape, mermaid_rs_renderer::ir::NodeShape::Diamond))
    };
    let mut result = Readability {
        width: layout.width,
        height: layout.height,
        ..Readability::default()
    };
    let edges = &layout.edges;
    for (i, a) in edges.iter().enumerate() {
        for b in &edges[i + 1..] {
            let crosses = segments(&a.points).any(|sa| {
                segments(&b.points).any(|sb| cross_point(sa, sb).is_some_and(|p| !inside_node(p)))
            });
            if crosses {
                result.crossings += 1;
                let shared = [&a.from, &a.to]
                    .into_iter()
                    .any(|n| (n == &b.from || n == &b.to) && diamond(n));
                if shared {
                    result.decision_twists += 1;
                }
            }
        }
    }
    let labels: Vec<(usize, Point, f32, f32)> = edges
        .iter()
        .enumerate()
        .filter_map(|(i, e)| Some((i, e.label_anchor?, e.label.as_ref()?)))
        .map(|(i, anchor, label)| (i, anchor, label.width, label.height))
        .collect();
    for &(i, anchor, _, _) in &labels {
        let own = distance_to_polyline(anchor, &edges[i].points);
        let other = edges
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, e)| distance_to_polyline(anchor, &e.points))
            .fold(f32::INFINITY, f32::min);
        if other + 0.5 < own {
            result.labels_on_other_edges += 1;
        }
    }
    for (k, &(_, a, aw, ah)) in labels.iter().enumerate() {
        for &(_, b, bw, bh) in &labels[k + 1..] {
            if (a.0 - b.0).abs() * 2.0 < aw + bw && (a.1 - b.1).abs() * 2.0 < ah + bh {
                result.stacked_labels += 1;
            }
        }
    }
    result
}

fn demo_flowchart() -> String {
    let path = format!("{MANIFEST_DIR}/content/platform/incident-response.md");
    let markdown = std::fs::read_to_string(&path).expect("read the demo runbook");
    mermaid_blocks(&markdown)
        .into_iter()
        .find(|b| b.trim_start().starts_with("flowchart"))
        .expect("the demo runbook has a flowchart")
}

/// The renderer's defaults with rb-site's text metrics (what `src/render/mermaid.rs` sets).
fn base_config() -> LayoutConfig {
    LayoutConfig {
        fast_text_metrics: true,
        ..LayoutConfig::default()
    }
}

#[test]
fn metrics_see_crossings_and_misplaced_labels() {
    // A diagram built to cross: A's edge to D must pass B's edge to C in a left-right layout
    // where the labels sit on the middle of each edge.
    let crossing = "flowchart LR\n  A --> D\n  B --> C\n  A --> C\n  B --> D\n";
    let metrics = measure(crossing, &base_config());
    assert!(metrics.crossings >= 1, "{metrics:?}");
    let straight = "flowchart TD\n  A -->|one| B\n  B -->|two| C\n";
    let metrics = measure(straight, &base_config());
    assert_eq!(
        (
            metrics.crossings,
            metrics.labels_on_other_edges,
            metrics.stacked_labels
        ),
        (0, 0, 0),
        "{metrics:?}"
    );
}

#[test]
#[ignore = "a measurement: cargo test --test it mermaid_layout_options_sweep -- --ignored --nocapture"]
fn mermaid_layout_options_sweep() {
    let source = demo_flowchart();
    let mut rows: Vec<(String, Readability)> = Vec::new();
    let mut run = |name: String, config: LayoutConfig| {
        rows.push((name, measure(&source, &config)));
    };
    run("defaults (rb-site)".into(), base_config());
    for passes in [1, 2, 8, 16, 32] {
        let mut c = base_config();
        c.flowchart.order_passes = passes;
        run(format!("order_passes={passes}"), c);
    }
    for bias in [-1.0, -0.5, 0.5, 1.0] {
        let mut c = base_config();
        c.flowchart.port_side_bias = bias;
        run(format!("port_side_bias={bias}"), c);
    }
    for (router, objective) in [(false, true), (true, false), (false, false)] {
        let mut c = base_config();
        c.flowchart.routing.enable_grid_router = router;
        c.flowchart.objective.enabled = objective;
        run(format!("grid_router={router} objective={objective}"), c);
    }
    for weight in [0.0, 2.0, 5.0] {
        let mut c = base_config();
        c.flowchart.objective.edge_label_weight = weight;
        run(format!("edge_label_weight={weight}"), c);
    }
    for spacing in [30.0, 80.0, 120.0] {
        let mut c = base_config();
        c.node_spacing = spacing;
        c.rank_spacing = spacing;
        run(format!("node/rank_spacing={spacing}"), c);
    }
    for (turn, occupancy) in [(0.0, 1.2), (2.0, 1.2), (0.6, 0.0), (0.6, 4.0)] {
        let mut c = base_config();
        c.flowchart.routing.turn_penalty = turn;
        c.flowchart.routing.occupancy_weight = occupancy;
        run(
            format!("turn_penalty={turn} occupancy_weight={occupancy}"),
            c,
        );
    }
    for (ratio, pad) in [(0.0, 0.0), (0.4, 60.0)] {
        let mut c = base_config();
        c.flowchart.port_pad_ratio = ratio;
        c.flowchart.port_pad_max = pad;
        run(format!("port_pad_ratio={ratio} port_pad_max={pad}"), c);
    }
    eprintln!(
        "{:<44} {:>9} {:>7} {:>13} {:>7} {:>11}",
        "options", "crossings", "twists", "label-on-other", "stacked", "size"
    );
    for (name, m) in &rows {
        eprintln!(
            "{name:<44} {:>9} {:>7} {:>13} {:>7} {:>5.0}x{:<5.0}",
            m.crossings,
            m.decision_twists,
            m.labels_on_other_edges,
            m.stacked_labels,
            m.width,
            m.height
        );
    }
}
