//! Starting points written by `gen new`.

/// A spec for a new chart: valid as it stands, so `gen build` works at once,
/// with a TODO wherever the maintainer must write the product's facts.
/// `gen check --strict` fails until every TODO is gone.
pub fn new_spec(chart: &str) -> String {
    include_str!("../templates/new-spec.yaml").replace("CHART", chart)
}
