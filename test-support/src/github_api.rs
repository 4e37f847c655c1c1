//! A stand-in for the one GitHub REST endpoint the tool reads, on 127.0.0.1:
//! "Get the review history for a workflow run"
//! (`GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals`, GitHub's REST
//! reference, API version 2022-11-28). As GitHub answers it: `200` with a JSON
//! array of reviews (`state` `approved` or `rejected`, `comment`,
//! `environments[]` with `id` and `name`, `user.login`); `401 Bad credentials`
//! without `Authorization: Bearer <the job's token>`; `404 Not Found` for any
//! other repository, run or path. A test sets the reviews ([`GitHubApi::review`])
//! or scripts another status ([`GitHubApi::fail_with`]).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

pub const REPOSITORY: &str = "acme/connect2";
pub const RUN_ID: &str = "4242";

/// What the endpoint was asked, in order.
#[derive(Debug, Clone)]
pub struct Asked {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub accept: Option<String>,
    pub api_version: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Default)]
struct State {
    asked: Vec<Asked>,
    reviews: Vec<Value>,
    failure: Option<(u16, String)>,
}

pub struct GitHubApi {
    /// What `GITHUB_API_URL` is in a job.
    pub url: String,
    /// The job's token (`GITHUB_TOKEN`).
    pub token: String,
    state: Arc<Mutex<State>>,
}

impl GitHubApi {
    pub fn start() -> GitHubApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        let token = format!("ghs_test{}token{port}", std::process::id());
        let state = Arc::new(Mutex::new(State::default()));
        let (s, t) = (state.clone(), token.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (s, t) = (s.clone(), t.clone());
                std::thread::spawn(move || serve(stream, &s, &t));
            }
        });
        GitHubApi {
            url: format!("http://127.0.0.1:{port}"),
            token,
            state,
        }
    }

    /// A review of the run, as a reviewer leaves it on the run's page.
    pub fn review(&self, state: &str, login: &str, environment: &str, comment: &str) {
        let id = self.state.lock().unwrap().reviews.len() + 1;
        self.state.lock().unwrap().reviews.push(json!({
            "state": state,
            "comment": comment,
            "environments": [{
                "id": 161_088_000 + id,
                "node_id": "MDExOkVudmlyb25tZW50MTYxMDg4MDY4",
                "name": environment,
                "url": format!("https://api.github.com/repos/{REPOSITORY}/environments/{environment}"),
                "html_url": format!("https://github.com/{REPOSITORY}/deployments/activity_log?environments_filter={environment}"),
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z"
            }],
            "user": {"login": login, "id": 1000 + id, "type": "User", "site_admin": false}
        }));
    }

    /// Every later request is answered `status` with GitHub's error body.
    pub fn fail_with(&self, status: u16, message: &str) {
        self.state.lock().unwrap().failure = Some((status, message.into()));
    }

    pub fn asked(&self) -> Vec<Asked> {
        self.state.lock().unwrap().asked.clone()
    }

    /// The variables GitHub sets in a job of run [`RUN_ID`] (and the token the
    /// step is given), for a command run as in that job.
    pub fn job_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("GITHUB_ACTIONS", "true".into()),
            ("GITHUB_API_URL", self.url.clone()),
            ("GITHUB_REPOSITORY", REPOSITORY.into()),
            ("GITHUB_RUN_ID", RUN_ID.into()),
            ("GITHUB_TOKEN", self.token.clone()),
        ]
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>, token: &str) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let mut asked = Asked {
        method: parts.next().unwrap_or_default().to_string(),
        path: parts.next().unwrap_or_default().to_string(),
        authorization: None,
        accept: None,
        api_version: None,
        user_agent: None,
    };
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
        if let Some((name, value)) = line.split_once(':') {
            let value = Some(value.trim().to_string());
            match name.trim().to_ascii_lowercase().as_str() {
                "authorization" => asked.authorization = value,
                "accept" => asked.accept = value,
                "x-github-api-version" => asked.api_version = value,
                "user-agent" => asked.user_agent = value,
                _ => {}
            }
        }
        line.clear();
    }
    let (status, body) = {
        let mut s = state.lock().unwrap();
        let answer = answer(&s, &asked, token);
        s.asked.push(asked);
        answer
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status} Test\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn answer(s: &State, asked: &Asked, token: &str) -> (u16, String) {
    let error = |status: u16, message: &str| {
        let body = json!({
            "message": message,
            "documentation_url": "https://docs.github.com/rest/actions/workflow-runs#get-the-review-history-for-a-workflow-run",
            "status": status.to_string()
        });
        (status, body.to_string())
    };
    if asked.authorization.as_deref() != Some(&format!("Bearer {token}")) {
        return error(401, "Bad credentials");
    }
    if let Some((status, message)) = &s.failure {
        return error(*status, message);
    }
    let path = format!("/repos/{REPOSITORY}/actions/runs/{RUN_ID}/approvals");
    if asked.method != "GET" || asked.path != path {
        return error(404, "Not Found");
    }
    (200, Value::Array(s.reviews.clone()).to_string())
}
