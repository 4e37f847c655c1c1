//! The network plan: each environment's VPC CIDR and its subnets, one public
//! and one private per availability zone, checked before anything runs and
//! rendered as a tfvars JSON file that the Terraform module reads, so the module
//! and the config cannot drift apart.
//!
//! Rules (AWS's, and those that keep environments apart):
//! - CIDRs are IPv4 networks written as such (`10.0.1.0/24`, not `10.0.1.7/24`),
//!   sized /16 to /28 (what AWS accepts for a VPC and a subnet).
//! - At least 2 AZs, each named once, each in the environment's region.
//! - Exactly one public and one private subnet per AZ, in the order of `azs`.
//! - Every subnet inside its VPC; no two subnets overlap.
//! - No two VPCs overlap, across environments (so they can be peered, and a
//!   copy-pasted block is caught).

use ipnet::Ipv4Net;
use serde::Serialize;

/// The least number of AZs: one AZ going down must not take the network with it.
pub const MIN_AZS: usize = 2;

/// A network as the config gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkLayout {
    pub vpc_cidr: String,
    pub azs: Vec<String>,
    pub public_subnets: Vec<String>,
    pub private_subnets: Vec<String>,
}

/// A network that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkPlan {
    pub vpc: Ipv4Net,
    pub azs: Vec<String>,
    pub public_subnets: Vec<Ipv4Net>,
    pub private_subnets: Vec<Ipv4Net>,
}

/// Which value of a layout a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    VpcCidr,
    Azs,
    Az(usize),
    PublicSubnets,
    PublicSubnet(usize),
    PrivateSubnets,
    PrivateSubnet(usize),
}

impl Field {
    /// The key, as in the config: `vpc_cidr`, `public_subnets[1]`.
    pub fn key(self) -> String {
        match self {
            Field::VpcCidr => "vpc_cidr".into(),
            Field::Azs => "azs".into(),
            Field::Az(i) => format!("azs[{i}]"),
            Field::PublicSubnets => "public_subnets".into(),
            Field::PublicSubnet(i) => format!("public_subnets[{i}]"),
            Field::PrivateSubnets => "private_subnets".into(),
            Field::PrivateSubnet(i) => format!("private_subnets[{i}]"),
        }
    }

    /// The top-level key (`public_subnets` for `public_subnets[1]`).
    pub fn top_key(self) -> &'static str {
        match self {
            Field::VpcCidr => "vpc_cidr",
            Field::Azs | Field::Az(_) => "azs",
            Field::PublicSubnets | Field::PublicSubnet(_) => "public_subnets",
            Field::PrivateSubnets | Field::PrivateSubnet(_) => "private_subnets",
        }
    }
}

/// A problem with one network: which one (its index in the checked list), which
/// value, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", field.key())]
pub struct NetworkProblem {
    pub network: usize,
    pub field: Field,
    pub message: String,
}

/// One network to check: a label for messages (e.g. the environment), the
/// region its AZs must be in, and the layout.
#[derive(Debug, Clone, Copy)]
pub struct NetworkInput<'a> {
    pub label: &'a str,
    pub region: &'a str,
    pub layout: &'a NetworkLayout,
}

/// Checks every network on its own, then that no two VPCs overlap. The first
/// problem found is returned.
pub fn check_all(networks: &[NetworkInput<'_>]) -> Result<Vec<NetworkPlan>, NetworkProblem> {
    let plans = networks
        .iter()
        .enumerate()
        .map(|(i, n)| {
            n.layout
                .check(n.region)
                .map_err(|(field, message)| NetworkProblem {
                    network: i,
                    field,
                    message,
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    for (i, a) in plans.iter().enumerate() {
        for (j, b) in plans.iter().enumerate().skip(i + 1) {
            if overlap(a.vpc, b.vpc) {
                return Err(NetworkProblem {
                    network: j,
                    field: Field::VpcCidr,
                    message: format!(
                        "{} overlaps the VPC of {} ({}): each environment needs its own range",
                        b.vpc, networks[i].label, a.vpc
                    ),
                });
            }
        }
    }
    Ok(plans)
}

impl NetworkLayout {
    /// Checks one network; on a problem, which value and what was expected.
    pub fn check(&self, region: &str) -> Result<NetworkPlan, (Field, String)> {
        let vpc = parse_cidr(&self.vpc_cidr).map_err(|m| (Field::VpcCidr, m))?;

        if self.azs.len() < MIN_AZS {
            return Err((
                Field::Azs,
                format!(
                    "expected at least {MIN_AZS} availability zones (one public and one private subnet in each), found {}",
                    self.azs.len()
                ),
            ));
        }
        for (i, az) in self.azs.iter().enumerate() {
            let suffix = az.strip_prefix(region).unwrap_or_default();
            if suffix.len() != 1 || !suffix.chars().all(|c| c.is_ascii_lowercase()) {
                return Err((
                    Field::Az(i),
                    format!(
                        "{az:?} is not an availability zone of {region} (expected e.g. {region}a)"
                    ),
                ));
            }
            if self.azs[..i].contains(az) {
                return Err((Field::Az(i), format!("{az} is listed twice")));
            }
        }
        for (field, list) in [
            (Field::PublicSubnets, &self.public_subnets),
            (Field::PrivateSubnets, &self.private_subnets),
        ] {
            if list.len() != self.azs.len() {
                return Err((
                    field,
                    format!(
                        "expected one subnet per availability zone, in the order of azs: {} azs, {} {}",
                        self.azs.len(),
                        list.len(),
                        field.key()
                    ),
                ));
            }
        }

        let mut seen: Vec<(Field, Ipv4Net)> = Vec::new();
        let mut subnets = |list: &[String], field: fn(usize) -> Field| {
            let mut parsed = Vec::new();
            for (i, s) in list.iter().enumerate() {
                let net = parse_cidr(s).map_err(|m| (field(i), m))?;
                if !vpc.contains(&net) {
                    return Err((field(i), format!("{net} is not inside the VPC {vpc}")));
                }
                if let Some((other, o)) = seen.iter().find(|(_, o)| overlap(*o, net)) {
                    return Err((field(i), format!("{net} overlaps {} ({o})", other.key())));
                }
                seen.push((field(i), net));
                parsed.push(net);
            }
            Ok(parsed)
        };
        let public_subnets = subnets(&self.public_subnets, Field::PublicSubnet)?;
        let private_subnets = subnets(&self.private_subnets, Field::PrivateSubnet)?;
        Ok(NetworkPlan {
            vpc,
            azs: self.azs.clone(),
            public_subnets,
            private_subnets,
        })
    }
}

impl NetworkPlan {
    /// The tfvars JSON file for the module: `vpc_cidr`, `azs`, `public_subnets`,
    /// `private_subnets`, with `comment` under the `"//"` key (which Terraform's
    /// JSON syntax ignores).
    pub fn tfvars_json(&self, comment: &str) -> String {
        #[derive(Serialize)]
        struct Tfvars<'a> {
            #[serde(rename = "//")]
            comment: &'a str,
            vpc_cidr: String,
            azs: &'a [String],
            public_subnets: Vec<String>,
            private_subnets: Vec<String>,
        }
        let strings = |nets: &[Ipv4Net]| nets.iter().map(ToString::to_string).collect();
        let vars = Tfvars {
            comment,
            vpc_cidr: self.vpc.to_string(),
            azs: &self.azs,
            public_subnets: strings(&self.public_subnets),
            private_subnets: strings(&self.private_subnets),
        };
        let mut text = serde_json::to_string_pretty(&vars).expect("plain data serializes");
        text.push('\n');
        text
    }
}

/// An IPv4 network in CIDR notation, /16 to /28, without host bits.
fn parse_cidr(s: &str) -> Result<Ipv4Net, String> {
    let net: Ipv4Net = s
        .parse()
        .map_err(|_| format!("{s:?} is not an IPv4 CIDR block (expected e.g. 10.0.0.0/16)"))?;
    if net.trunc() != net {
        return Err(format!(
            "{s} has host bits set: the network is {}",
            net.trunc()
        ));
    }
    if !(16..=28).contains(&net.prefix_len()) {
        return Err(format!(
            "{s}: AWS accepts /16 to /28 for VPCs and subnets, found /{}",
            net.prefix_len()
        ));
    }
    Ok(net)
}

fn overlap(a: Ipv4Net, b: Ipv4Net) -> bool {
    a.contains(&b) || b.contains(&a)
}
