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
        .then_some((x1 + t * (x2 - x1), y1 + t * (y2 - y1)))
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
    // Edges meet at a node's ports and arrowheads stop short of its border: points within a
    // few pixels of a node are where edges join, not crossings.
    const NEAR: f32 = 10.0;
    let inside_node = |p: Point| {
        layout.nodes.values().any(|n| {
            p.0 >= n.x - NEAR
                && p.0 <= n.x + n.width + NEAR
                && p.1 >= n.y - NEAR
                && p.1 <= n.y + n.height + NEAR
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

/// The renderer's defaults with rb-site's text metrics: what rb-site used before issue 15.
fn base_config() -> LayoutConfig {
    LayoutConfig {
        fast_text_metrics: true,
        ..LayoutConfig::default()
    }
}

#[test]
fn issue15_demo_flowchart_has_no_crossings_and_labels_on_their_edges() {
    let metrics = measure(&demo_flowchart(), &rb_site::render::mermaid_layout_config());
    assert_eq!(
        (
            metrics.crossings,
            metrics.decision_twists,
            metrics.labels_on_other_edges,
            metrics.stacked_labels
        ),
        (0, 0, 0, 0),
        "{metrics:?}"
    );
    // The renderer's defaults do not manage it: that is why rb-site changes them.
    let before = measure(&demo_flowchart(), &base_config());
    assert!(
        before.crossings + before.labels_on_other_edges > 0,
        "{before:?}"
    );
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
    // RB_MERMAID_SWEEP_SVG=<dir> also writes each layout as an SVG, to look at.
    let svg_dir = std::env::var_os("RB_MERMAID_SWEEP_SVG").map(std::path::PathBuf::from);
    let mut run = |name: String, config: LayoutConfig| {
        if let Some(dir) = &svg_dir {
            let parsed = mermaid_rs_renderer::parse_mermaid_strict(&source).expect("parses");
            let theme = Theme::neutral();
            let layout = mermaid_rs_renderer::compute_layout(&parsed.graph, &theme, &config);
            let file: String = name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            std::fs::create_dir_all(dir).expect("svg dir");
            std::fs::write(
                dir.join(format!("{file}.svg")),
                mermaid_rs_renderer::render_svg(&layout, &theme, &config),
            )
            .expect("write svg");
            for edge in layout
                .edges
                .iter()
                .filter(|e| e.from == "E" || e.from == "B" || e.from == "G")
            {
                eprintln!(
                    "{name}: {}->{} {:?} label at {:?}",
                    edge.from, edge.to, edge.points, edge.label_anchor
                );
            }
        }
        rows.push((name, measure(&source, &config)));
    };
    run("defaults".into(), base_config());
    run("rb-site".into(), rb_site::render::mermaid_layout_config());
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
    // The same settings over every flowchart of the real runbooks in ../shared/corpus and of a
    // generated corpus (RB_MERMAID_SWEEP_CORPUS=<folder>), summed.
    let mut sources: Vec<String> = Vec::new();
    let roots = [
        Some(std::path::PathBuf::from(format!(
            "{MANIFEST_DIR}/../shared/corpus"
        ))),
        std::env::var_os("RB_MERMAID_SWEEP_CORPUS").map(std::path::PathBuf::from),
    ];
    for root in roots.into_iter().flatten() {
        for entry in walkdir::WalkDir::new(root)
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            if entry.path().extension().is_some_and(|e| e == "md")
                && let Ok(text) = std::fs::read_to_string(entry.path())
            {
                sources.extend(mermaid_blocks(&text).into_iter().filter(|b| {
                    b.trim_start().starts_with("flowchart") || b.trim_start().starts_with("graph")
                }));
            }
        }
    }
    sources.truncate(300);
    let settings: Vec<(&str, LayoutConfig)> = vec![
        ("defaults", base_config()),
        ("order_passes=1", {
            let mut c = base_config();
            c.flowchart.order_passes = 1;
            c
        }),
        ("order_passes=2", {
            let mut c = base_config();
            c.flowchart.order_passes = 2;
            c
        }),
        ("grid_router=false", {
            let mut c = base_config();
            c.flowchart.routing.enable_grid_router = false;
            c
        }),
        ("order_passes=1 grid_router=false", {
            let mut c = base_config();
            c.flowchart.order_passes = 1;
            c.flowchart.routing.enable_grid_router = false;
            c
        }),
    ];
    eprintln!("{} flowcharts from the corpora:", sources.len());
    for (name, config) in &settings {
        let mut sum = Readability::default();
        for source in &sources {
            if mermaid_rs_renderer::parse_mermaid_strict(source).is_err() {
                continue;
            }
            let m = measure(source, config);
            sum.crossings += m.crossings;
            sum.decision_twists += m.decision_twists;
            sum.labels_on_other_edges += m.labels_on_other_edges;
            sum.stacked_labels += m.stacked_labels;
            sum.width += m.width;
            sum.height += m.height;
        }
        eprintln!(
            "  {name:<36} crossings {:>4} twists {:>3} label-on-other {:>4} stacked {:>3} area {:.0}",
            sum.crossings,
            sum.decision_twists,
            sum.labels_on_other_edges,
            sum.stacked_labels,
            sum.width * sum.height / 1e6
        );
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
