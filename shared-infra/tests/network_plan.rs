//! The network plan's checks, as a table: each row is one layout change and the
//! key and message it must fail with (or none).

use shared_infra::network::Field;
use shared_infra::{check_networks, NetworkInput, NetworkLayout};

fn layout(vpc: &str, azs: &[&str], public: &[&str], private: &[&str]) -> NetworkLayout {
    let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
    NetworkLayout {
        vpc_cidr: vpc.into(),
        azs: v(azs),
        public_subnets: v(public),
        private_subnets: v(private),
    }
}

fn good() -> NetworkLayout {
    layout(
        "10.0.0.0/16",
        &["us-west-2a", "us-west-2b"],
        &["10.0.0.0/24", "10.0.1.0/24"],
        &["10.0.10.0/24", "10.0.11.0/24"],
    )
}

#[test]
fn one_network_table() {
    type Edit = fn(&mut NetworkLayout);
    /// The key and a phrase of the message, or `None` for no problem.
    type Expected = Option<(&'static str, &'static str)>;
    let rows: &[(&str, Edit, Expected)] = &[
        ("the good layout", |_| {}, None),
        (
            "three AZs",
            |l| {
                l.azs.push("us-west-2c".into());
                l.public_subnets.push("10.0.2.0/24".into());
                l.private_subnets.push("10.0.12.0/24".into());
            },
            None,
        ),
        (
            "not a CIDR",
            |l| l.vpc_cidr = "10.0.0.0".into(),
            Some(("vpc_cidr", "is not an IPv4 CIDR block")),
        ),
        (
            "IPv6",
            |l| l.vpc_cidr = "2001:db8::/56".into(),
            Some(("vpc_cidr", "is not an IPv4 CIDR block")),
        ),
        (
            "host bits",
            |l| l.vpc_cidr = "10.0.3.0/16".into(),
            Some(("vpc_cidr", "has host bits set: the network is 10.0.0.0/16")),
        ),
        (
            "VPC too big",
            |l| l.vpc_cidr = "10.0.0.0/8".into(),
            Some(("vpc_cidr", "AWS accepts /16 to /28")),
        ),
        (
            "subnet too small",
            |l| l.public_subnets[1] = "10.0.1.0/29".into(),
            Some(("public_subnets[1]", "found /29")),
        ),
        (
            "too few AZs",
            |l| {
                l.azs.pop();
                l.public_subnets.pop();
                l.private_subnets.pop();
            },
            Some(("azs", "at least 2 availability zones")),
        ),
        (
            "AZ of another region",
            |l| l.azs[1] = "us-east-1b".into(),
            Some(("azs[1]", "not an availability zone of us-west-2")),
        ),
        (
            "a region, not an AZ",
            |l| l.azs[0] = "us-west-2".into(),
            Some(("azs[0]", "expected e.g. us-west-2a")),
        ),
        (
            "the same AZ twice",
            |l| l.azs[1] = "us-west-2a".into(),
            Some(("azs[1]", "listed twice")),
        ),
        (
            "a public subnet missing",
            |l| {
                l.public_subnets.pop();
            },
            Some(("public_subnets", "2 azs, 1 public_subnets")),
        ),
        (
            "an extra private subnet",
            |l| l.private_subnets.push("10.0.12.0/24".into()),
            Some(("private_subnets", "2 azs, 3 private_subnets")),
        ),
        (
            "subnet outside the VPC",
            |l| l.private_subnets[0] = "10.1.10.0/24".into(),
            Some((
                "private_subnets[0]",
                "10.1.10.0/24 is not inside the VPC 10.0.0.0/16",
            )),
        ),
        (
            "subnet bigger than the VPC",
            |l| l.public_subnets[0] = "10.0.0.0/16".into(),
            Some((
                "public_subnets[1]",
                "overlaps public_subnets[0] (10.0.0.0/16)",
            )),
        ),
        (
            "public subnets overlap",
            |l| l.public_subnets[1] = "10.0.0.128/25".into(),
            Some((
                "public_subnets[1]",
                "overlaps public_subnets[0] (10.0.0.0/24)",
            )),
        ),
        (
            "private overlaps public",
            |l| l.private_subnets[1] = "10.0.0.0/23".into(),
            Some((
                "private_subnets[1]",
                "10.0.0.0/23 overlaps public_subnets[0]",
            )),
        ),
        (
            "the same subnet twice",
            |l| l.private_subnets[1] = "10.0.10.0/24".into(),
            Some(("private_subnets[1]", "overlaps private_subnets[0]")),
        ),
    ];
    for (what, edit, expected) in rows {
        let mut l = good();
        edit(&mut l);
        let got = check_networks(&[NetworkInput {
            label: "prod",
            region: "us-west-2",
            layout: &l,
        }]);
        match (expected, got) {
            (None, Ok(plans)) => assert_eq!(plans[0].azs, l.azs, "{what}"),
            (None, Err(e)) => panic!("{what}: expected no problem, got {e}"),
            (Some((key, phrase)), Err(e)) => {
                assert_eq!(e.field.key(), *key, "{what}: {e}");
                assert!(e.message.contains(phrase), "{what}: {e}");
            }
            (Some(_), Ok(_)) => panic!("{what}: expected a problem, got none"),
        }
    }
}

fn input<'a>(label: &'a str, layout: &'a NetworkLayout) -> NetworkInput<'a> {
    NetworkInput {
        label,
        region: "us-west-2",
        layout,
    }
}

#[test]
fn vpcs_of_different_environments_must_not_overlap() {
    let staging = layout(
        "10.1.0.0/16",
        &["us-west-2a", "us-west-2b"],
        &["10.1.0.0/24", "10.1.1.0/24"],
        &["10.1.10.0/24", "10.1.11.0/24"],
    );
    let prod = good();
    assert_eq!(
        check_networks(&[input("staging", &staging), input("prod", &prod)])
            .unwrap()
            .len(),
        2
    );

    // A copy-pasted block: the second one is named.
    let copy = prod.clone();
    let e = check_networks(&[input("prod", &prod), input("dev", &copy)]).unwrap_err();
    assert_eq!((e.network, e.field), (1, Field::VpcCidr));
    assert!(
        e.message
            .contains("10.0.0.0/16 overlaps the VPC of prod (10.0.0.0/16)"),
        "{e}"
    );

    // A bigger range that holds another environment's.
    let mut dev = staging.clone();
    dev.vpc_cidr = "10.0.0.0/15".into();
    let e = check_networks(&[input("prod", &prod), input("dev", &dev)]).unwrap_err();
    assert!(e.message.contains("AWS accepts /16 to /28"), "{e}");
    let dev = layout(
        "10.0.128.0/17",
        &["us-west-2a", "us-west-2b"],
        &["10.0.128.0/24", "10.0.129.0/24"],
        &["10.0.130.0/24", "10.0.131.0/24"],
    );
    let e = check_networks(&[input("prod", &prod), input("dev", &dev)]).unwrap_err();
    assert_eq!(e.network, 1);
    assert!(e.message.contains("overlaps the VPC of prod"), "{e}");
}

#[test]
fn the_tfvars_file_holds_the_checked_values() {
    let plans = check_networks(&[NetworkInput {
        label: "prod",
        region: "us-west-2",
        layout: &good(),
    }])
    .unwrap();
    let text = plans[0].tfvars_json("generated; do not edit");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["//"], "generated; do not edit");
    assert_eq!(v["vpc_cidr"], "10.0.0.0/16");
    assert_eq!(v["azs"][1], "us-west-2b");
    assert_eq!(v["public_subnets"][0], "10.0.0.0/24");
    assert_eq!(v["private_subnets"][1], "10.0.11.0/24");
    assert!(text.ends_with("}\n"));
}
