//! The example's three stacks (shared, then the API's and the web's own, which
//! take shared outputs as `vars`) deployed by `cargo xtask` with the real
//! terraform against the emulator: approval, fingerprints, no-change runs, any
//! output by name (lists stay lists), a broken stack, and a rollback's revert.

use std::path::Path;

use test_support::cli::{all_output, text};
use test_support::{emulator, unique_name, GitRepo, RealTerraform, Xtask};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

/// A repository holding the example's `local` stacks and a deploy.toml with
/// buckets of its own, bootstrapped.
struct Stacks {
    repo: GitRepo,
    terraform: RealTerraform,
    tf_bucket: String,
    s3: aws_sdk_s3::Client,
}

impl Stacks {
    async fn new(extra: &str) -> Stacks {
        let repo = GitRepo::new();
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/connect2");
        for stack in [
            "infrastructure/terraform/environments/local",
            "api/infrastructure/terraform/environments/local",
            "web/infrastructure/terraform/environments/local",
        ] {
            for entry in std::fs::read_dir(example.join(stack)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "tf") {
                    let name = path.file_name().unwrap().to_str().unwrap();
                    repo.write(
                        &format!("{stack}/{name}"),
                        &std::fs::read_to_string(&path).unwrap(),
                    );
                }
            }
        }
        repo.write(".gitignore", ".terraform/\n");
        let (state_bucket, tf_bucket) = (unique_name("state"), unique_name("tf-state"));
        repo.write(
            "deploy.toml",
            &format!(
                r#"[project]
name = "connect2"
region = "us-east-1"
state_bucket = "{state_bucket}"

[environments.local]

[targets.shared]
kind = "terraform"
paths = ["infrastructure/**"]
dir = "infrastructure/terraform/environments/{{env}}"
state_bucket = "{tf_bucket}"
state_key = "shared/terraform.tfstate"

[targets.api-infra]
kind = "terraform"
paths = ["api/infrastructure/**"]
after = ["shared"]
dir = "api/infrastructure/terraform/environments/{{env}}"
state_bucket = "{tf_bucket}"
state_key = "api/terraform.tfstate"
vars = {{ vpc_id = "{{shared.vpc_id}}", public_subnet_ids = "{{shared.public_subnet_ids}}", private_subnet_ids = ["{{shared.private_subnet_ids}}"] }}

[targets.web-infra]
kind = "terraform"
paths = ["web/infrastructure/**"]
after = ["shared"]
dir = "web/infrastructure/terraform/environments/{{env}}"
state_bucket = "{tf_bucket}"
state_key = "web/terraform.tfstate"
vars = {{ hosted_zone_id = "{{shared.hosted_zone_id}}" }}
{extra}"#
            ),
        );
        repo.commit("three stacks");
        let stacks = Stacks {
            repo,
            terraform: RealTerraform::new(emulator()),
            tf_bucket,
            s3: aws_sdk_s3::Client::new(&emulator().sdk_config().await),
        };
        let out = stacks.xtask(&["bootstrap", "--env", "local"]);
        assert!(out.status.success(), "{}", all_output(&out));
        stacks
    }

    fn xtask(&self, args: &[&str]) -> std::process::Output {
        Xtask::on_emulator(XTASK, self.repo.path())
            .env("TERRAFORM", self.terraform.executable())
            .run(args)
    }

    fn deploy(&self, args: &[&str]) -> std::process::Output {
        let mut all = vec!["deploy", "--env", "local"];
        all.extend_from_slice(args);
        self.xtask(&all)
    }

    /// A stack's state, as terraform wrote it to the emulator; `None` when absent.
    async fn state(&self, key: &str) -> Option<serde_json::Value> {
        let got = self
            .s3
            .get_object()
            .bucket(&self.tf_bucket)
            .key(key)
            .send()
            .await
            .ok()?;
        let bytes = got.body.collect().await.unwrap().into_bytes();
        Some(serde_json::from_slice(&bytes).unwrap())
    }

    /// The keys in the terraform state bucket: states and lock files.
    async fn keys(&self) -> Vec<String> {
        test_support::state_bucket::keys(&self.s3, &self.tf_bucket).await
    }
}

#[tokio::test]
async fn three_stacks_apply_in_order_with_approval_and_outputs_flow_on_as_typed() {
    let t = Stacks::new("").await;

    // Without approval: the plan is shown, nothing is applied, no state written.
    let out = t.deploy(&["shared"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("rerun with --approve"),
        "{}",
        all_output(&out)
    );
    assert!(t.state("shared/terraform.tfstate").await.is_none());

    // All three with approval: shared first, then the app stacks with its outputs.
    let out = t.deploy(&["--all", "--approve"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let err = text(&out.stderr);
    let shared_at = err.find("==> deploy shared").unwrap();
    let api_at = err.find("==> deploy api-infra").unwrap();
    assert!(shared_at < api_at, "{err}");
    // A list output passed as `vars` stays a list (and a list item that is just
    // a list output becomes its items).
    let api = t.state("api/terraform.tfstate").await.expect("api state");
    let shared = t
        .state("shared/terraform.tfstate")
        .await
        .expect("shared state");
    let subnets = &shared["outputs"]["private_subnet_ids"]["value"];
    assert!(subnets.as_array().is_some_and(|s| s.len() == 2), "{shared}");
    let db = api["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "db")
        .expect("the db stand-in");
    assert_eq!(
        &db["instances"][0]["attributes"]["input"]["value"]["subnets"],
        subnets
    );
    let web = t.state("web/terraform.tfstate").await.expect("web state");
    assert_eq!(
        web["outputs"]["site_url"]["value"], "https://app.local.connect.com",
        "{web}"
    );
    // Terraform's own locks are gone after the runs.
    assert!(!t.keys().await.iter().any(|k| k.ends_with(".tflock")));

    // Again: nothing changes, nothing is applied, the ledger gets no record.
    let before = t.xtask(&["history", "shared", "local", "--format", "json"]);
    let out = t.deploy(&["--all", "--approve"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains("No changes"),
        "{}",
        all_output(&out)
    );
    let after = t.xtask(&["history", "shared", "local", "--format", "json"]);
    assert_eq!(text(&before.stdout), text(&after.stdout));

    // A wrong fingerprint: not the reviewed plan, nothing applied.
    t.repo.write(
        "infrastructure/terraform/environments/local/extra.tf",
        "resource \"terraform_data\" \"extra\" {\n  input = \"one more\"\n}\n",
    );
    t.repo.commit("one more resource");
    let out = t.deploy(&[
        "shared",
        "--approve",
        "--expect-plan",
        "0123456789abcdef0123456789abcdef",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains("not the one reviewed"),
        "{}",
        all_output(&out)
    );
    let shared = t.state("shared/terraform.tfstate").await.unwrap();
    assert!(!shared.to_string().contains("one more"), "not applied");

    // The rollback of that change: a git revert on a new branch, which deploys
    // like any change and takes the resource away again.
    let out = t.deploy(&["shared", "--approve"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(t
        .state("shared/terraform.tfstate")
        .await
        .unwrap()
        .to_string()
        .contains("one more"));
    let change = t.repo.git(&["rev-parse", "HEAD"]);
    let out = t.xtask(&["rollback", "shared", "local", "--commit", &change]);
    assert!(out.status.success(), "{}", all_output(&out));
    let stdout = text(&out.stdout);
    let branch = stdout
        .split_whitespace()
        .find(|w| w.starts_with("revert-shared-local-"))
        .unwrap_or_else(|| panic!("no revert branch named: {stdout}"))
        .trim_end_matches([',', '.'])
        .to_string();
    assert!(branch.contains(&change[..7]), "{stdout}");
    t.repo.git(&["checkout", "-q", &branch]);
    let out = t.deploy(&["shared", "--approve"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        text(&out.stdout).contains("1 to destroy"),
        "{}",
        all_output(&out)
    );
    assert!(!t
        .state("shared/terraform.tfstate")
        .await
        .unwrap()
        .to_string()
        .contains("one more"));
}

#[tokio::test]
async fn any_output_by_name_and_what_cannot_be_used_is_refused_before_anything_runs() {
    // A static site whose bucket comes from the web stack's outputs.
    let site = |bucket: &str| {
        format!(
            "\n[targets.web]\nkind = \"static-site\"\npaths = [\"web/**\"]\nafter = [\"web-infra\"]\nbuild_dir = \"web/dist\"\nbucket = \"{bucket}\"\n"
        )
    };
    let t = Stacks::new(&site("{web-infra.site_bucket}")).await;
    let out = t.deploy(&["shared", "web-infra", "--approve"]);
    assert!(out.status.success(), "{}", all_output(&out));

    // An output the state does not have: exit 2, the outputs it has named,
    // and nothing written (checked before the deploy starts).
    t.repo.write(
        "deploy.toml",
        &std::fs::read_to_string(t.repo.file("deploy.toml"))
            .unwrap()
            .replace("{web-infra.site_bucket}", "{web-infra.bucket_name}"),
    );
    t.repo.write("web/dist/index.html", "<h1>hi</h1>");
    t.repo.commit("the site");
    let out = t.deploy(&["web"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("targets.web.bucket uses {web-infra.bucket_name}"),
        "{err}"
    );
    assert!(
        err.contains("site_bucket") && err.contains("distribution_id"),
        "{err}"
    );
    // One line of error (the range and why come before it, as on every plan).
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(errors[0].contains("not in the state"), "{err}");

    // A list where a single value is wanted: refused, naming what it is.
    t.repo.write(
        "deploy.toml",
        &std::fs::read_to_string(t.repo.file("deploy.toml"))
            .unwrap()
            .replace("{web-infra.bucket_name}", "{shared.private_subnet_ids}"),
    );
    t.repo.commit("a list for a bucket");
    let out = t.deploy(&["web"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(text(&out.stderr).contains("list"), "{}", all_output(&out));
}

#[tokio::test]
async fn a_broken_stack_fails_with_terraforms_message_and_releases_the_lock() {
    let t = Stacks::new("").await;
    t.repo.write(
        "infrastructure/terraform/environments/local/broken.tf",
        "resource \"terraform_data\" \"migrate\" {\n  provisioner \"local-exec\" {\n    command = \"echo the migration broke >&2; exit 1\"\n  }\n}\n",
    );
    t.repo.commit("a broken resource");
    let out = t.deploy(&["shared", "--approve"]);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert!(
        all_output(&out).contains("the migration broke"),
        "{}",
        all_output(&out)
    );
    let state_keys = test_support::state_bucket::locks(&t.s3, &{
        let toml = std::fs::read_to_string(t.repo.file("deploy.toml")).unwrap();
        toml.lines()
            .find_map(|l| {
                l.strip_prefix("state_bucket = \"")
                    .map(|b| b.trim_end_matches('"').to_string())
            })
            .unwrap()
    })
    .await;
    assert!(
        state_keys.is_empty(),
        "xtask's lock is released: {state_keys:?}"
    );
    assert!(
        !t.keys().await.iter().any(|k| k.ends_with(".tflock")),
        "terraform's too"
    );
    let history = t.xtask(&["history", "shared", "local", "--format", "json"]);
    assert!(
        text(&history.stdout).contains("\"failed\""),
        "{}",
        all_output(&history)
    );
}
