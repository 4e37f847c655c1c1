//! Bad input, as a user (or an attacker with a pull request) gives it, across
//! plan, deploy, rollback, preview, bootstrap, history, status and ci: hostile
//! or broken deploy.toml files, every key and every flag with a value AWS (or
//! git, docker, the tool) would refuse, broken build folders and git states.
//! Each: exit 2, exactly one `error:` line naming the flag or the file and key,
//! no Rust `Debug` output, and nothing written — the site bucket, the state
//! bucket (its lock included: the proxy logs every request) and ECS are checked
//! after every case. Input that needs no AWS call to refuse is refused before
//! any: no request reaches the site or state bucket or ECS at all.
//! docs/RELIABILITY.md has the sweep as a table.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use test_support::cli::{all_output, text};
use test_support::fixtures::site::build_v1;
use test_support::{emulator, terraform_fixture, EcsTarget, StaticSite};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

/// A static site (`web`) and an ECS service (`api`) in one deploy.toml, both
/// real in the emulator, with one state bucket.
struct World {
    site: StaticSite,
    api: EcsTarget,
    /// deploy.toml as it is between cases.
    good: String,
}

/// What a case changes before it runs; undone after it.
enum Setup {
    None,
    /// deploy.toml replaced by this text.
    Config(String),
    /// deploy.toml replaced by these bytes.
    ConfigBytes(Vec<u8>),
    /// Something done to the build folder (`web/dist`).
    Build(fn(&std::path::Path)),
    /// deploy.toml replaced, and a Terraform state with these outputs put at
    /// `shared/terraform.tfstate` in the state bucket.
    WithState(String, String),
}

/// How far a case may get before it is refused.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Refused from the flags and the config alone: no AWS request at all.
    NoCall,
    /// Refused after reading AWS (the build walked, the bucket's versioning,
    /// the ledger, a Terraform state): reads only, no lock.
    ReadOnly,
}

struct Case {
    name: &'static str,
    setup: Setup,
    args: Vec<String>,
    stage: Stage,
    /// The error line names this.
    says: String,
}
impl World {
    async fn new() -> World {
        let site = StaticSite::versioned(XTASK).await;
        let api = EcsTarget::new(XTASK).await;
        let web = std::fs::read_to_string(site.repo.file("deploy.toml")).unwrap();
        let good = format!(
            "{web}\n[targets.api]\nkind = \"ecs\"\npaths = [\"api/**\"]\ncluster = \"{}\"\nservice = \"{}\"\ncontainer = \"app\"\necr_repository = \"{}\"\n",
            api.cluster, api.service, api.ecr_repository
        );
        site.repo.write("deploy.toml", &good);
        site.repo.commit("the api too");
        World { site, api, good }
    }

    /// deploy.toml with the first `from` replaced by `to`.
    fn with(&self, from: &str, to: &str) -> Setup {
        assert!(self.good.contains(from), "{from}");
        Setup::Config(self.good.replacen(from, to, 1))
    }

    /// deploy.toml with `keys` in the web target's table.
    fn web(&self, keys: &str) -> Setup {
        let at = format!("distribution = \"{}\"\n", self.site.distribution);
        self.with(&at, &format!("{at}{keys}\n"))
    }

    /// deploy.toml with `keys` in the api target's table (the file's last).
    fn api(&self, keys: &str) -> Setup {
        Setup::Config(format!("{}{keys}\n", self.good))
    }

    /// deploy.toml with a terraform target `shared` in `dir`, with `keys`.
    fn shared(&self, dir: &str, keys: &str) -> Setup {
        Setup::Config(format!(
            "{}\n[targets.shared]\nkind = \"terraform\"\npaths = [\"infra/**\"]\ndir = \"{dir}\"\n{keys}\n",
            self.good
        ))
    }

    /// The api target's `key` filled from an output of a terraform stack
    /// `shared` whose state (in the state bucket) says `value` for it.
    fn api_from_output(&self, key: &str, value: &str) -> Setup {
        let ours = match key {
            "cluster" => format!("cluster = \"{}\"", self.api.cluster),
            "service" => format!("service = \"{}\"", self.api.service),
            other => panic!("{other}"),
        };
        let config = self
            .good
            .replacen(&ours, &format!("{key} = \"{{shared.{key}}}\""), 1)
            .replacen(
                "[targets.api]\nkind = \"ecs\"\n",
                "[targets.api]\nkind = \"ecs\"\nafter = [\"shared\"]\n",
                1,
            );
        let config = format!(
            "{config}\n[targets.shared]\nkind = \"terraform\"\npaths = [\"infra/**\"]\ndir = \"infra\"\nstate_bucket = \"{}\"\nstate_key = \"shared/terraform.tfstate\"\n",
            self.site.state_bucket
        );
        let state = std::fs::read_to_string(terraform_fixture("real-shared.tfstate")).unwrap();
        let state = state.replacen(
            "\"outputs\": {",
            &format!(
                "\"outputs\": {{\n    \"{key}\": {{ \"value\": {value:?}, \"type\": \"string\" }},"
            ),
            1,
        );
        Setup::WithState(config, state)
    }
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `deploy web --env prod` and `extra`.
fn deploy_web(extra: &[&str]) -> Vec<String> {
    let mut a = args(&["deploy", "web", "--env", "prod"]);
    a.extend(args(extra));
    a
}

/// `deploy api --env prod --image-tag v2` (an image in ECR) and `extra`.
fn deploy_api(extra: &[&str]) -> Vec<String> {
    let mut a = args(&["deploy", "api", "--env", "prod", "--image-tag", "v2"]);
    a.extend(args(extra));
    a
}

fn cases(w: &World) -> Vec<Case> {
    use Stage::*;
    let case = |name, setup, args, stage, says: &str| Case {
        name,
        setup,
        args,
        stage,
        says: says.to_string(),
    };
    let plan = || args(&["plan", "--all"]);
    let many_alarms = format!(
        "alarms = [{}]",
        (0..101)
            .map(|i| format!("\"a{i}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    vec![
        // The cases.
        case("--image-tag with a space", Setup::None, args(&["deploy", "api", "--env", "prod", "--image-tag", "bad tag"]), NoCall, "--image-tag"),
        case("--image-tag with : and /", Setup::None, args(&["deploy", "api", "--env", "prod", "--image-tag", "x:y/z"]), NoCall, "--image-tag"),
        case("--timeout 0s", Setup::None, deploy_web(&["--timeout", "0s"]), NoCall, "--timeout"),
        case("a bucket name S3 refuses", w.with(&format!("bucket = \"{}\"", w.site.bucket), "bucket = \"Hold_Web\""), deploy_web(&[]), NoCall, "targets.web.bucket"),
        case("a header value with a line break", w.with("cache_control = \"no-cache\"", "cache_control = \"no-cache\\nX-Evil: 1\""), deploy_web(&[]), NoCall, "targets.web.cache[0].cache_control"),
        case("an empty cluster", w.with(&format!("cluster = \"{}\"", w.api.cluster), "cluster = \"\""), deploy_api(&[]), NoCall, "targets.api.cluster"),
        case("build_dir out of the repository", w.with("build_dir = \"web/dist\"", "build_dir = \"../../etc\""), deploy_web(&[]), NoCall, "targets.web.build_dir"),
        // deploy.toml: the file
        case("unknown top-level table", Setup::Config(format!("{}\n[projekt]\nname = \"x\"\n", w.good)), plan(), NoCall, "projekt"),
        case("unknown target key", w.web("bukket = \"x\""), deploy_web(&[]), NoCall, "bukket"),
        case("paths not a list", w.with("paths = [\"web/**\"]", "paths = \"web/**\""), plan(), NoCall, "paths"),
        case("a target after itself", w.web("after = [\"web\"]"), plan(), NoCall, "web"),
        case("after an unknown target", w.web("after = [\"nope\"]"), plan(), NoCall, "nope"),
        case("unknown placeholder", w.with("build_dir = \"web/dist\"", "build_dir = \"web/{nope}\""), deploy_web(&[]), NoCall, "nope"),
        case("unknown kind", w.with("kind = \"static-site\"", "kind = \"lambda\""), plan(), NoCall, "lambda"),
        case("TOML syntax error", Setup::Config(format!("{}\n[targets.web\n", w.good)), plan(), NoCall, "deploy.toml"),
        case("empty file", Setup::Config(String::new()), plan(), NoCall, "deploy.toml"),
        case("invalid UTF-8", Setup::ConfigBytes(b"[project]\nname = \"\xff\xfe\"\n".to_vec()), plan(), NoCall, "deploy.toml"),
        case("a 50 MB file", Setup::ConfigBytes(vec![b'#'; 50 * 1024 * 1024]), plan(), NoCall, "deploy.toml"),
        case("an output of a target that is not terraform", w.with("build_dir = \"web/dist\"", "build_dir = \"{web.dir}\""), deploy_web(&[]), NoCall, "web"),
        case("an unknown environment's override", Setup::Config(format!("{}\n[targets.web.env.qa]\nbucket = \"x\"\n", w.good)), plan(), NoCall, "qa"),
        case("a cache rule without cache_control", w.with("cache_control = \"no-cache\"\n", ""), plan(), NoCall, "cache_control"),
        case("--config of a missing file", Setup::None, args(&["plan", "--all", "--config", "nope.toml"]), NoCall, "nope.toml"),
        // deploy.toml: [project] and [environments]
        case("project.name with a space", w.with("name = \"e2e\"", "name = \"e2e app\""), plan(), NoCall, "project.name"),
        case("project.region not a region", w.with("region = \"us-east-1\"", "region = \"us_east_1\""), plan(), NoCall, "project.region"),
        case("the state bucket S3 refuses once {env} is filled", Setup::Config(w.good.replacen(&format!("state_bucket = \"{}\"", w.site.state_bucket), &format!("state_bucket = \"{}-{{env}}\"", w.site.state_bucket), 1).replacen("[environments.prod]", "[environments.dev_eu]\n\n[environments.prod]", 1)), deploy_web(&[]), NoCall, "project.state_bucket"),
        case("project.default_branch git refuses", w.with("region = \"us-east-1\"", "region = \"us-east-1\"\ndefault_branch = \"a..b\""), plan(), NoCall, "project.default_branch"),
        case("an environment's branch with a space", w.with("branch = \"main\"", "branch = \"main branch\""), plan(), NoCall, "environments.prod.branch"),
        case("an environment's region", w.with("branch = \"main\"", "branch = \"main\"\nregion = \"mars\""), plan(), NoCall, "environments.prod.region"),
        case("aws_role_arn not a role ARN", w.with("branch = \"main\"", "branch = \"main\"\naws_role_arn = \"deploy\""), plan(), NoCall, "environments.prod.aws_role_arn"),
        case("aws_readonly_role_arn with an expression", w.with("branch = \"main\"", "branch = \"main\"\naws_readonly_role_arn = \"arn:aws:iam::123456789012:role/${{secrets.X}}\""), plan(), NoCall, "environments.prod.aws_readonly_role_arn"),
        // deploy.toml: an ecs target
        case("a cluster name with a slash", w.with(&format!("cluster = \"{}\"", w.api.cluster), "cluster = \"a/b\""), deploy_api(&[]), NoCall, "targets.api.cluster"),
        case("a service name with a space", w.with(&format!("service = \"{}\"", w.api.service), "service = \"api service\""), deploy_api(&[]), NoCall, "targets.api.service"),
        case("a container name with a dot", w.with("container = \"app\"", "container = \"app.main\""), deploy_api(&[]), NoCall, "targets.api.container"),
        case("an ECR repository in capitals", w.with(&format!("ecr_repository = \"{}\"", w.api.ecr_repository), "ecr_repository = \"Connect2-API\""), deploy_api(&[]), NoCall, "targets.api.ecr_repository"),
        case("an absolute dockerfile", w.api("dockerfile = \"/etc/passwd\""), deploy_api(&[]), NoCall, "targets.api.dockerfile"),
        case("docker_context out of the repository", w.api("dockerfile = \"api/Dockerfile\"\ndocker_context = \"../..\""), deploy_api(&[]), NoCall, "targets.api.docker_context"),
        case("docker_target that is a flag", w.api("docker_target = \"--push\""), deploy_api(&[]), NoCall, "targets.api.docker_target"),
        case("docker_platform without an architecture", w.api("docker_platform = \"linux\""), deploy_api(&[]), NoCall, "targets.api.docker_platform"),
        case("a build arg name with a dash", w.api("docker_build_args = { \"APP-ENV\" = \"x\" }"), deploy_api(&[]), NoCall, "targets.api.docker_build_args.APP-ENV"),
        case("before_rollout.timeout 0s", w.api("before_rollout = { command = [\"migrate\"], timeout = \"0s\" }"), deploy_api(&[]), NoCall, "targets.api.before_rollout.timeout"),
        case("before_rollout.timeout of two days", w.api("before_rollout = { command = [\"migrate\"], timeout = \"2days\" }"), deploy_api(&[]), NoCall, "targets.api.before_rollout.timeout"),
        case("before_rollout.container with a space", w.api("before_rollout = { command = [\"migrate\"], container = \"a b\" }"), deploy_api(&[]), NoCall, "targets.api.before_rollout.container"),
        case("before_rollout.command empty", w.api("before_rollout = { command = [] }"), deploy_api(&[]), NoCall, "targets.api.before_rollout.command"),
        case("verify.url not http", w.api("verify = { url = \"ftp://example.com/health\" }"), deploy_api(&[]), NoCall, "targets.api.verify.url"),
        case("verify.url with credentials", w.api("verify = { url = \"https://user:pw@example.com/health\" }"), deploy_api(&[]), NoCall, "targets.api.verify.url"),
        case("verify.within 0s", w.api("verify = { url = \"https://example.com/health\", within = \"0s\" }"), deploy_api(&[]), NoCall, "targets.api.verify.within"),
        case("verify.expect_status 42", w.api("verify = { url = \"https://example.com/health\", expect_status = 42 }"), deploy_api(&[]), NoCall, "targets.api.verify.expect_status"),
        case("an alarm name with a line break", w.api("alarms = [\"api\\n5xx\"]"), deploy_api(&[]), NoCall, "targets.api.alarms[0]"),
        case("101 alarms", w.api(&many_alarms), deploy_api(&[]), NoCall, "targets.api.alarms"),
        case("bake of 25 hours", w.api("alarms = [\"a\"]\nbake = \"25h\""), deploy_api(&[]), NoCall, "targets.api.bake"),
        case("bake 0s with alarms", w.api("alarms = [\"a\"]\nbake = \"0s\""), deploy_api(&[]), NoCall, "targets.api.bake"),
        case("a cluster an output fills with a space", w.api_from_output("cluster", "connect2 cluster"), deploy_api(&[]), ReadOnly, "targets.api.cluster"),
        case("a service an output fills with a colon", w.api_from_output("service", "api:1"), deploy_api(&[]), ReadOnly, "targets.api.service"),
        // deploy.toml: a static-site target
        case("an absolute build_dir", w.with("build_dir = \"web/dist\"", "build_dir = \"/etc\""), deploy_web(&[]), NoCall, "targets.web.build_dir"),
        case("a distribution id with a path", w.with(&format!("distribution = \"{}\"", w.site.distribution), "distribution = \"E2/../x\""), deploy_web(&[]), NoCall, "targets.web.distribution"),
        case("an empty cache_control", w.with("cache_control = \"no-cache\"", "cache_control = \"\""), deploy_web(&[]), NoCall, "targets.web.cache[0].cache_control"),
        case("a cache_control with a tab", w.with("cache_control = \"no-cache\"", "cache_control = \"no-cache\\tx\""), deploy_web(&[]), NoCall, "targets.web.cache[0].cache_control"),
        case("preview_bucket without {pr}", w.web("preview_bucket = \"pr-connect2-web\""), plan(), NoCall, "targets.web.preview_bucket"),
        case("preview_bucket in capitals", w.web("preview_bucket = \"PR-{pr}-web\""), plan(), NoCall, "targets.web.preview_bucket"),
        case("preview_domain with an underscore", w.web("preview_domain = \"pr_{pr}.app.example.com\"\npreview_certificate_arn = \"arn:aws:acm:us-east-1:123456789012:certificate/abc\""), plan(), NoCall, "targets.web.preview_domain"),
        case("preview_zone_id in lowercase", w.web("preview_zone_id = \"zone-1\""), plan(), NoCall, "targets.web.preview_zone_id"),
        case("preview_certificate_arn outside us-east-1", w.web("preview_certificate_arn = \"arn:aws:acm:eu-west-1:123456789012:certificate/abc\""), plan(), NoCall, "targets.web.preview_certificate_arn"),
        case("an empty build command", w.web("build = \"\""), deploy_web(&[]), NoCall, "targets.web.build"),
        case("a build_env name starting with a digit", w.web("build_env = { \"1X\" = \"y\" }"), deploy_web(&[]), NoCall, "targets.web.build_env.1X"),
        case("grace_releases 1000", w.web("grace_releases = 1000"), deploy_web(&[]), NoCall, "targets.web.grace_releases"),
        case("invalidation_max_paths 0", w.web("invalidation_max_paths = 0"), deploy_web(&[]), NoCall, "targets.web.invalidation_max_paths"),
        case("invalidation_max_paths 5000", w.web("invalidation_max_paths = 5000"), deploy_web(&[]), NoCall, "targets.web.invalidation_max_paths"),
        case("max_deletes negative", w.web("max_deletes = -1"), deploy_web(&[]), NoCall, "targets.web.max_deletes"),
        case("include_hidden not a bool", w.web("include_hidden = \"yes\""), deploy_web(&[]), NoCall, "targets.web.include_hidden"),
        case("a site's bake of 25 hours", w.web("alarms = [\"a\"]\nbake = \"25h\""), deploy_web(&[]), NoCall, "targets.web.bake"),
        case("an override's bad bucket names the override", Setup::Config(format!("{}\n[targets.web.env.prod]\nbucket = \"Web_Prod\"\n", w.good)), deploy_web(&[]), NoCall, "targets.web.env.prod.bucket"),
        // deploy.toml: a terraform target
        case("a terraform dir out of the repository", w.shared("../infra", ""), plan(), NoCall, "targets.shared.dir"),
        case("a terraform state bucket S3 refuses", w.shared("infra", "state_bucket = \"Tf_State\"\nstate_key = \"shared.tfstate\""), plan(), NoCall, "targets.shared.state_bucket"),
        case("a terraform state key with a leading slash", w.shared("infra", "state_bucket = \"tf-state\"\nstate_key = \"/shared.tfstate\""), plan(), NoCall, "targets.shared.state_key"),
        case("a terraform variable name with a dot", w.shared("infra", "vars = { \"vpc.id\" = \"x\" }"), plan(), NoCall, "targets.shared.vars.vpc.id"),
        // flags
        case("unknown environment", Setup::None, args(&["deploy", "web", "--env", "nope"]), NoCall, "nope"),
        case("unknown target", Setup::None, args(&["deploy", "nope", "--env", "prod"]), NoCall, "nope"),
        case("nothing to deploy named", Setup::None, args(&["deploy", "--env", "prod"]), NoCall, "--changed"),
        case("rollback to an unknown environment", Setup::None, args(&["rollback", "web", "nope"]), NoCall, "nope"),
        case("rollback of an unknown target", Setup::None, args(&["rollback", "nope", "prod"]), NoCall, "nope"),
        case("rollback with nothing in the ledger", Setup::None, args(&["rollback", "web", "prod"]), ReadOnly, "nothing to roll back"),
        case("rollback --to an unknown release", Setup::None, args(&["rollback", "web", "prod", "--to", "r-nope"]), ReadOnly, "r-nope"),
        case("an image tag that is not in ECR (no dockerfile to build it)", Setup::None, args(&["deploy", "api", "--env", "prod", "--image-tag", "not-pushed"]), ReadOnly, "not-pushed"),
        case("rollback of an ECS revision that never existed", Setup::None, args(&["rollback", "api", "prod", "--to", "9999"]), ReadOnly, "9999"),
        case("an alarm CloudWatch does not have", w.web("alarms = [\"no-such-alarm\"]"), deploy_web(&[]), ReadOnly, "no-such-alarm"),
        case("rollback --poll-interval 0s", Setup::None, args(&["rollback", "web", "prod", "--poll-interval", "0s"]), NoCall, "--poll-interval"),
        case("preview --pr 0", Setup::None, args(&["preview", "up", "--pr", "0"]), NoCall, "--pr"),
        case("preview --pr abc", Setup::None, args(&["preview", "up", "--pr", "abc"]), NoCall, "abc"),
        case("preview --pr -3", Setup::None, args(&["preview", "down", "--pr", "-3"]), NoCall, "-3"),
        case("preview --pr 007", Setup::None, args(&["preview", "up", "--pr", "007"]), NoCall, "--pr"),
        case("preview --pr past any PR", Setup::None, args(&["preview", "up", "--pr", "99999999999"]), NoCall, "--pr"),
        case("preview sweep --older-than -1", Setup::None, args(&["preview", "sweep", "--older-than", "-1"]), NoCall, "-1"),
        case("a bad duration", Setup::None, deploy_web(&["--poll-interval", "soon"]), NoCall, "soon"),
        case("a bad timeout", Setup::None, deploy_web(&["--timeout", "-5m"]), NoCall, "-5"),
        case("--timeout past a day", Setup::None, deploy_web(&["--timeout", "25h"]), NoCall, "--timeout"),
        case("--timeout under a second", Setup::None, deploy_web(&["--timeout", "500ms"]), NoCall, "--timeout"),
        case("--poll-interval 0s", Setup::None, deploy_web(&["--poll-interval", "0s"]), NoCall, "--poll-interval"),
        case("--poll-interval of an hour", Setup::None, deploy_web(&["--poll-interval", "1h"]), NoCall, "--poll-interval"),
        case("--concurrency 0", Setup::None, deploy_web(&["--concurrency", "0"]), NoCall, "--concurrency"),
        case("--concurrency 5000", Setup::None, deploy_web(&["--concurrency", "5000"]), NoCall, "--concurrency"),
        case("a negative --max-deletes", Setup::None, deploy_web(&["--max-deletes", "-1"]), NoCall, "-1"),
        case("--expect-plan not a fingerprint", Setup::None, deploy_web(&["--expect-plan", "xyz"]), NoCall, "--expect-plan"),
        case("--format xml", Setup::None, deploy_web(&["--format", "xml"]), NoCall, "xml"),
        case("history --limit 0", Setup::None, args(&["history", "web", "prod", "--limit", "0"]), NoCall, "--limit"),
        case("history --limit past 10000", Setup::None, args(&["history", "--env", "prod", "--limit", "10001"]), NoCall, "--limit"),
        case("bootstrap --image-tag with a space", Setup::None, args(&["bootstrap", "--env", "prod", "--image-tag", "a b"]), NoCall, "--image-tag"),
        case("history of an unknown target", Setup::None, args(&["history", "nope", "prod"]), NoCall, "nope"),
        case("history in an unknown environment", Setup::None, args(&["history", "web", "nope"]), NoCall, "nope"),
        case("status in an unknown environment", Setup::None, args(&["status", "--env", "nope"]), NoCall, "nope"),
        case("bootstrap an unknown environment", Setup::None, args(&["bootstrap", "--env", "nope"]), NoCall, "nope"),
        case("ci report without $NEEDS", Setup::None, args(&["ci", "report", "--env", "prod"]), NoCall, "NEEDS"),
        case("ci report in an unknown environment", Setup::None, args(&["ci", "report", "--env", "nope"]), NoCall, "nope"),
        case("an unknown --base", Setup::None, args(&["plan", "--changed", "--base", "deadbeef"]), NoCall, "deadbeef"),
        case("an unknown --head", Setup::None, args(&["plan", "--changed", "--head", "nope"]), NoCall, "nope"),
        case("an unknown flag", Setup::None, deploy_web(&["--yolo"]), NoCall, "--yolo"),
        // build folders
        case("an empty build folder", Setup::Build(|d| {
            std::fs::remove_dir_all(d).unwrap();
            std::fs::create_dir_all(d).unwrap();
        }), deploy_web(&[]), ReadOnly, "web/dist"),
        case("a missing build folder", Setup::Build(|d| std::fs::remove_dir_all(d).unwrap()), deploy_web(&[]), ReadOnly, "web/dist"),
        case("a symlink out of the build folder", Setup::Build(|d| {
            std::os::unix::fs::symlink("/etc/passwd", d.join("passwd")).unwrap()
        }), deploy_web(&[]), ReadOnly, "passwd"),
        case("a FIFO", Setup::Build(|d| {
            let status = Command::new("mkfifo").arg(d.join("pipe")).status().unwrap();
            assert!(status.success());
        }), deploy_web(&[]), ReadOnly, "pipe"),
        case("a device file", Setup::Build(|d| {
            std::os::unix::fs::symlink("/dev/null", d.join("null")).unwrap()
        }), deploy_web(&[]), ReadOnly, "null"),
        case("a control character in a name", Setup::Build(|d| std::fs::write(d.join("a\u{7}b.html"), "x").unwrap()), deploy_web(&[]), ReadOnly, "control character"),
        case("a name that is not UTF-8", Setup::Build(|d| {
            use std::os::unix::ffi::OsStrExt;
            std::fs::write(d.join(std::ffi::OsStr::from_bytes(b"bad\xffname")), "x").unwrap();
        }), deploy_web(&[]), ReadOnly, "UTF-8"),
        case("a dangling symlink", Setup::Build(|d| {
            std::os::unix::fs::symlink("gone.html", d.join("link.html")).unwrap()
        }), deploy_web(&[]), ReadOnly, "link.html"),
    ]
}

/// Everything the emulator saw that a case could have caused: requests on
/// the site and state buckets, and ECS operations.
struct Seen {
    site: Vec<(String, String)>,
    state: Vec<(String, String)>,
    ecs: Vec<String>,
}

impl Seen {
    fn now(w: &World) -> Seen {
        Seen {
            site: emulator().s3_calls_for(&w.site.bucket),
            state: emulator().s3_calls_for(&w.site.state_bucket),
            ecs: emulator().ecs_calls(),
        }
    }

    /// What happened between `self` and `later`, or why it is too much for `stage`.
    fn problem(&self, later: &Seen, stage: Stage) -> Option<String> {
        let site = &later.site[self.site.len()..];
        let state = &later.state[self.state.len()..];
        let ecs = &later.ecs[self.ecs.len()..];
        let mut writes = StaticSite::writes(site);
        writes.extend(
            StaticSite::writes(state)
                .into_iter()
                .map(|k| format!("state bucket: {k}")),
        );
        writes.extend(
            ecs.iter()
                .filter(|op| !(op.starts_with("Describe") || op.starts_with("List")))
                .map(|op| format!("ECS {op}")),
        );
        if !writes.is_empty() {
            return Some(format!("wrote {writes:?}"));
        }
        let calls = site.len() + state.len() + ecs.len();
        if stage == Stage::NoCall && calls > 0 {
            return Some(format!(
                "called AWS before refusing: {site:?} {state:?} {ecs:?}"
            ));
        }
        None
    }
}

#[tokio::test]
async fn every_bad_input_exits_2_with_one_line_and_writes_nothing() {
    let w = World::new().await;
    let mut failures = Vec::new();
    let all = cases(&w);
    assert!(all.len() >= 120, "{} cases", all.len());
    for case in &all {
        match &case.setup {
            Setup::None => {}
            Setup::Config(text) => {
                w.site.repo.write("deploy.toml", text);
            }
            Setup::ConfigBytes(bytes) => {
                std::fs::write(w.site.repo.file("deploy.toml"), bytes).unwrap()
            }
            Setup::Build(change) => change(&w.site.dist()),
            Setup::WithState(text, state) => {
                w.site.repo.write("deploy.toml", text);
                w.site
                    .s3
                    .put_object()
                    .bucket(&w.site.state_bucket)
                    .key("shared/terraform.tfstate")
                    .body(state.as_bytes().to_vec().into())
                    .send()
                    .await
                    .unwrap();
            }
        }
        let state_before = w.site.state_keys().await;
        let before = Seen::now(&w);
        let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
        let out = w.site.xtask(&args);
        let err = text(&out.stderr);
        let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
        let after = Seen::now(&w);
        let left: Vec<String> = w
            .site
            .state_keys()
            .await
            .into_iter()
            .filter(|k| !state_before.contains(k))
            .collect();
        let problem = if out.status.code() != Some(2) {
            Some(format!("exit {:?}", out.status.code()))
        } else if errors.len() != 1 {
            Some(format!("{} error lines", errors.len()))
        } else if !errors[0].contains(case.says.as_str()) {
            Some(format!("does not name {:?}", case.says))
        } else if err.contains("Some(") || err.contains("{ ") {
            Some("Debug output".into())
        } else if !left.is_empty() {
            Some(format!("left {left:?} in the state bucket"))
        } else {
            before.problem(&after, case.stage)
        };
        if let Some(problem) = problem {
            failures.push(format!("{}: {problem}\n{}", case.name, all_output(&out)));
        }
        // Undo.
        w.site.repo.write("deploy.toml", &w.good);
        if matches!(case.setup, Setup::Build(_)) {
            if let Ok(entries) = std::fs::read_dir(w.site.dist()) {
                for e in entries.flatten() {
                    let _ =
                        std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(0o755));
                }
            }
            w.site.build(&build_v1());
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n\n{}",
        failures.len(),
        all.len(),
        failures.join("\n\n")
    );
    // Nothing was deployed by any of them.
    w.api.assert_unchanged().await;
    assert!(w.site.history().is_empty());
}

/// Git states: a repository with no commit, and a shallow clone whose base is
/// missing, each a one-line exit 2 for `plan --changed` (never "nothing changed").
#[test]
fn git_states_that_cannot_say_what_changed_exit_2() {
    let empty = test_support::GitRepo::new();
    empty.write("deploy.toml", "[project]\nname = \"x\"\n");
    let out = Command::new(XTASK)
        .args(["plan", "--changed"])
        .current_dir(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));

    let repo = test_support::GitRepo::new();
    repo.write(
        "deploy.toml",
        "[project]\nname = \"x\"\nregion = \"us-east-1\"\nstate_bucket = \"x-state\"\n\n[environments.prod]\n\n[targets.web]\nkind = \"static-site\"\npaths = [\"web/**\"]\nbuild_dir = \"web/dist\"\nbucket = \"x-web\"\n",
    )
    .write("web/a", "1");
    repo.commit("one");
    repo.write("web/a", "2");
    repo.commit("two");
    let clone = tempfile::tempdir().unwrap();
    let status = Command::new("git")
        .args(["clone", "-q", "--depth=1"])
        .arg(format!("file://{}", repo.path().display()))
        .arg(clone.path())
        .status()
        .unwrap();
    assert!(status.success());
    let out = Command::new(XTASK)
        .args(["plan", "--changed"])
        .current_dir(clone.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let err = text(&out.stderr);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    assert!(err.contains("shallow"), "{err}");
}
