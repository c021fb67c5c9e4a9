//! Generated filters: printing and parsing round-trip, and arbitrary input never panics.
use proptest::prelude::*;

use super::*;

fn arb_name() -> impl Strategy<Value = String> {
    let names = [
        "userName", "Title", "emails", "x", "a1-b_c", "$ref", "not", "and", "or",
    ];
    prop::sample::select(names.to_vec()).prop_map(str::to_owned)
}

fn arb_urn() -> impl Strategy<Value = String> {
    prop::sample::select([CORE, ENTERPRISE, "URN:Example:v1.0"].as_slice()).prop_map(str::to_owned)
}

fn arb_path() -> impl Strategy<Value = AttrPath> {
    let sub = prop::option::of(arb_name());
    (prop::option::of(arb_urn()), arb_name(), sub).prop_map(|(urn, name, sub)| AttrPath {
        urn,
        name,
        sub,
    })
}

/// Floats with few digits: serde_json's default float parsing is only guaranteed to round
/// trip those.
fn arb_float() -> impl Strategy<Value = serde_json::Number> {
    (-1_000_000_i64..1_000_000, -20_i32..20)
        .prop_filter_map("in range", |(m, e)| format!("{m}e{e}").parse().ok())
}

fn arb_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|n| CompValue::Number(n.into())),
        any::<u64>().prop_map(|n| CompValue::Number(n.into())),
        arb_float().prop_map(CompValue::Number),
        any::<String>().prop_map(CompValue::String),
        "[\"\\\\/a é😀\u{1}\u{2028}]{0,6}".prop_map(CompValue::String),
    ]
}

fn arb_leaf(path: BoxedStrategy<AttrPath>) -> BoxedStrategy<Filter> {
    let op = prop::sample::select(CompareOp::ALL.as_slice());
    prop_oneof![
        3 => (path.clone(), op, arb_value()).prop_map(|(path, op, value)| cmp(path, op, value)),
        1 => path.prop_map(Filter::Present),
    ]
    .boxed()
}

fn arb_tree(leaf: BoxedStrategy<Filter>) -> BoxedStrategy<Filter> {
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| and(l, r)),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| or(l, r)),
            inner.prop_map(not),
        ]
    })
    .boxed()
}

fn arb_filter() -> impl Strategy<Value = Filter> {
    let relative = arb_tree(arb_leaf(arb_name().prop_map(AttrPath::new).boxed()));
    let parent = (prop::option::of(arb_urn()), arb_name()).prop_map(|(urn, name)| AttrPath {
        urn,
        name,
        sub: None,
    });
    let value_path = (parent, relative).prop_map(|(path, filter)| vp(path, filter));
    let leaf = prop_oneof![3 => arb_leaf(arb_path().boxed()), 1 => value_path].boxed();
    arb_tree(leaf)
}

fn filterish() -> impl Strategy<Value = String> {
    let tokens = [
        "(", ")", "[", "]", "not", "and", "or", "pr", "eq", " ", "\"", "\\", "x", ".", ":",
        "urn:a:b:", "1e5", "-", "true", "\\u", "d83d", "$", "\t", "é",
    ];
    prop::collection::vec(prop::sample::select(tokens.to_vec()), 0..40)
        .prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn display_parses_back_to_the_same_tree(filter in arb_filter()) {
        let printed = filter.to_string();
        prop_assert_eq!(parse_filter(&printed, Strict), Ok(filter.clone()), "{}", printed);
        prop_assert_eq!(parse_filter(&printed, Lenient), Ok(filter), "{}", printed);
    }

    #[test]
    fn never_panics_on_any_string(input in ".*") {
        let _ = parse_filter(&input, Strict);
        let _ = parse_filter(&input, Lenient);
    }

    #[test]
    fn never_panics_on_filterish_strings(input in filterish()) {
        for leniency in [Strict, Lenient] {
            if let Err(err) = parse_filter(&input, leniency) {
                prop_assert!(err.offset <= input.chars().count());
                prop_assert_ne!(err.expected.as_str(), GENERIC, "{}", input);
            }
        }
    }
}
