//! rb-site
