/**
 * A GitHub-like REST API (154 + 12 rules: static, dynamic, typed `int`/`uuid`, deep nesting, `path`
 * converters) and a request mix, in Werkzeug syntax, with converters to Hono and find-my-way
 * patterns. Shared by the router benchmark and its sanity test.
 *
 * @module
 */

/** A route: `[methods, rule]`. */
export type Route = readonly [readonly string[], string];

/**
 * `[methods, rule]` pairs without static / dynamic siblings (no `/gists/public` beside
 * `/gists/<id>`): Hono's `RegExpRouter` throws `UnsupportedPathError` for those.
 */
export const ROUTES: readonly Route[] = [
  [["GET"], "/"],
  [["GET", "PATCH"], "/user"],
  [["GET", "POST"], "/user/repos"],
  [["GET", "POST", "DELETE"], "/user/emails"],
  [["GET"], "/user/followers"],
  [["GET"], "/user/following"],
  [["GET", "POST"], "/user/keys"],
  [["GET", "DELETE"], "/user/keys/<int:key_id>"],
  [["GET"], "/user/orgs"],
  [["GET"], "/user/starred"],
  [["GET", "PUT", "DELETE"], "/user/starred/<owner>/<repo>"],
  [["GET"], "/user/subscriptions"],
  [["GET"], "/user/issues"],
  [["GET"], "/user/installations"],
  [["GET"], "/user/installations/<int:installation_id>/repositories"],
  [["GET"], "/emojis"],
  [["GET"], "/events"],
  [["GET"], "/feeds"],
  [["GET", "POST"], "/gists"],
  [["GET", "PATCH", "DELETE"], "/gists/<gist_id>"],
  [["GET", "POST"], "/gists/<gist_id>/comments"],
  [["GET", "PATCH", "DELETE"], "/gists/<gist_id>/comments/<int:comment_id>"],
  [["GET"], "/gists/<gist_id>/commits"],
  [["GET", "POST"], "/gists/<gist_id>/forks"],
  [["GET", "PUT", "DELETE"], "/gists/<gist_id>/star"],
  [["GET"], "/issues"],
  [["GET", "PUT"], "/notifications"],
  [["GET", "PATCH"], "/notifications/threads/<int:thread_id>"],
  [["GET", "PUT", "DELETE"], "/notifications/threads/<int:thread_id>/subscription"],
  [["GET"], "/meta"],
  [["GET"], "/rate_limit"],
  [["GET"], "/repositories"],
  [["GET"], "/search/code"],
  [["GET"], "/search/commits"],
  [["GET"], "/search/issues"],
  [["GET"], "/search/labels"],
  [["GET"], "/search/repositories"],
  [["GET"], "/search/topics"],
  [["GET"], "/search/users"],
  [["GET"], "/organizations"],
  [["GET"], "/users"],
  [["GET"], "/users/<username>"],
  [["GET"], "/users/<username>/repos"],
  [["GET"], "/users/<username>/orgs"],
  [["GET"], "/users/<username>/gists"],
  [["GET"], "/users/<username>/followers"],
  [["GET"], "/users/<username>/following"],
  [["GET"], "/users/<username>/following/<target_user>"],
  [["GET"], "/users/<username>/starred"],
  [["GET"], "/users/<username>/subscriptions"],
  [["GET"], "/users/<username>/events"],
  [["GET"], "/users/<username>/events/public"],
  [["GET"], "/users/<username>/events/orgs/<org>"],
  [["GET"], "/users/<username>/received_events"],
  [["GET"], "/users/<username>/keys"],
  [["GET"], "/licenses"],
  [["GET"], "/licenses/<license>"],
  [["GET"], "/gitignore/templates"],
  [["GET"], "/gitignore/templates/<name>"],
  [["POST"], "/markdown"],
  [["POST"], "/markdown/raw"],
  [["GET"], "/app"],
  [["GET"], "/app/installations"],
  [["GET", "DELETE"], "/app/installations/<int:installation_id>"],
  [["POST"], "/app/installations/<int:installation_id>/access_tokens"],
  [["GET"], "/apps/<app_slug>"],
  [["GET"], "/codes_of_conduct"],
  [["GET"], "/codes_of_conduct/<key>"],
  [["GET"], "/octocat"],
  [["GET"], "/zen"],
  [["GET", "PATCH"], "/orgs/<org>"],
  [["GET", "POST"], "/orgs/<org>/repos"],
  [["GET"], "/orgs/<org>/members"],
  [["GET", "DELETE"], "/orgs/<org>/members/<username>"],
  [["GET", "POST"], "/orgs/<org>/teams"],
  [["GET", "PATCH", "DELETE"], "/orgs/<org>/teams/<team_slug>"],
  [["GET"], "/orgs/<org>/events"],
  [["GET", "POST"], "/orgs/<org>/hooks"],
  [["GET", "PATCH", "DELETE"], "/orgs/<org>/hooks/<int:hook_id>"],
  [["GET", "PATCH", "DELETE"], "/teams/<int:team_id>"],
  [["GET"], "/teams/<int:team_id>/members"],
  [["GET", "PUT", "DELETE"], "/teams/<int:team_id>/repos/<owner>/<repo>"],
  [["GET", "PATCH", "DELETE"], "/projects/<int:project_id>"],
  [["GET"], "/marketplace_listing/plans"],
  [["GET"], "/marketplace_listing/plans/<int:plan_id>/accounts"],
  [["GET"], "/events/<uuid:event_id>"],
  [["GET", "PATCH", "DELETE"], "/repos/<owner>/<repo>"],
  [["GET", "POST"], "/repos/<owner>/<repo>/issues"],
  [["GET", "PATCH"], "/repos/<owner>/<repo>/issues/<int:number>"],
  [["GET", "POST"], "/repos/<owner>/<repo>/issues/<int:number>/comments"],
  [["GET", "POST", "PUT", "DELETE"], "/repos/<owner>/<repo>/issues/<int:number>/labels"],
  [["DELETE"], "/repos/<owner>/<repo>/issues/<int:number>/labels/<name>"],
  [["GET"], "/repos/<owner>/<repo>/issues/<int:number>/events"],
  [["GET", "POST"], "/repos/<owner>/<repo>/pulls"],
  [["GET", "PATCH"], "/repos/<owner>/<repo>/pulls/<int:number>"],
  [["GET"], "/repos/<owner>/<repo>/pulls/<int:number>/commits"],
  [["GET"], "/repos/<owner>/<repo>/pulls/<int:number>/files"],
  [["GET", "PUT"], "/repos/<owner>/<repo>/pulls/<int:number>/merge"],
  [["GET", "POST"], "/repos/<owner>/<repo>/pulls/<int:number>/reviews"],
  [["GET", "PUT", "DELETE"], "/repos/<owner>/<repo>/pulls/<int:number>/reviews/<int:review_id>"],
  [["GET", "POST"], "/repos/<owner>/<repo>/pulls/<int:number>/comments"],
  [["GET"], "/repos/<owner>/<repo>/commits"],
  [["GET"], "/repos/<owner>/<repo>/commits/<sha>"],
  [["GET", "POST"], "/repos/<owner>/<repo>/commits/<sha>/comments"],
  [["GET"], "/repos/<owner>/<repo>/commits/<sha>/status"],
  [["GET"], "/repos/<owner>/<repo>/commits/<sha>/statuses"],
  [["GET"], "/repos/<owner>/<repo>/branches"],
  [["GET"], "/repos/<owner>/<repo>/branches/<branch>"],
  [["GET", "PUT", "DELETE"], "/repos/<owner>/<repo>/branches/<branch>/protection"],
  [["GET", "PUT", "DELETE"], "/repos/<owner>/<repo>/contents/<path:path>"],
  [["GET"], "/repos/<owner>/<repo>/readme"],
  [["GET"], "/repos/<owner>/<repo>/tarball/<ref>"],
  [["GET"], "/repos/<owner>/<repo>/zipball/<ref>"],
  [["GET"], "/repos/<owner>/<repo>/git/blobs/<sha>"],
  [["GET"], "/repos/<owner>/<repo>/git/commits/<sha>"],
  [["GET", "POST"], "/repos/<owner>/<repo>/git/refs"],
  [["GET", "PATCH", "DELETE"], "/repos/<owner>/<repo>/git/refs/<path:ref>"],
  [["GET"], "/repos/<owner>/<repo>/git/tags/<sha>"],
  [["GET"], "/repos/<owner>/<repo>/git/trees/<sha>"],
  [["GET", "POST"], "/repos/<owner>/<repo>/releases"],
  [["GET", "PATCH", "DELETE"], "/repos/<owner>/<repo>/releases/<int:release_id>"],
  [["GET"], "/repos/<owner>/<repo>/releases/<int:release_id>/assets"],
  [["GET", "POST"], "/repos/<owner>/<repo>/hooks"],
  [["GET", "PATCH", "DELETE"], "/repos/<owner>/<repo>/hooks/<int:hook_id>"],
  [["POST"], "/repos/<owner>/<repo>/hooks/<int:hook_id>/tests"],
  [["GET", "POST"], "/repos/<owner>/<repo>/labels"],
  [["GET", "PATCH", "DELETE"], "/repos/<owner>/<repo>/labels/<name>"],
  [["GET", "POST"], "/repos/<owner>/<repo>/milestones"],
  [["GET", "PATCH", "DELETE"], "/repos/<owner>/<repo>/milestones/<int:number>"],
  [["GET"], "/repos/<owner>/<repo>/collaborators"],
  [["GET", "PUT", "DELETE"], "/repos/<owner>/<repo>/collaborators/<username>"],
  [["GET"], "/repos/<owner>/<repo>/comments"],
  [["GET", "PATCH", "DELETE"], "/repos/<owner>/<repo>/comments/<int:comment_id>"],
  [["GET"], "/repos/<owner>/<repo>/contributors"],
  [["GET"], "/repos/<owner>/<repo>/languages"],
  [["GET"], "/repos/<owner>/<repo>/tags"],
  [["GET"], "/repos/<owner>/<repo>/teams"],
  [["GET", "POST"], "/repos/<owner>/<repo>/forks"],
  [["GET"], "/repos/<owner>/<repo>/stargazers"],
  [["GET"], "/repos/<owner>/<repo>/subscribers"],
  [["GET"], "/repos/<owner>/<repo>/events"],
  [["GET", "PUT"], "/repos/<owner>/<repo>/notifications"],
  [["GET", "POST"], "/repos/<owner>/<repo>/keys"],
  [["GET", "DELETE"], "/repos/<owner>/<repo>/keys/<int:key_id>"],
  [["GET", "POST"], "/repos/<owner>/<repo>/deployments"],
  [["GET", "POST"], "/repos/<owner>/<repo>/deployments/<int:deployment_id>/statuses"],
  [["GET"], "/repos/<owner>/<repo>/stats/contributors"],
  [["GET"], "/repos/<owner>/<repo>/stats/commit_activity"],
  [["GET"], "/repos/<owner>/<repo>/actions/runs"],
  [["GET", "DELETE"], "/repos/<owner>/<repo>/actions/runs/<int:run_id>"],
  [["GET"], "/repos/<owner>/<repo>/actions/runs/<int:run_id>/jobs"],
  [["GET"], "/repos/<owner>/<repo>/actions/jobs/<int:job_id>/logs"],
  [["GET"], "/repos/<owner>/<repo>/actions/artifacts/<int:artifact_id>/<any(zip):archive_format>"],
  [["GET"], "/repos/<owner>/<repo>/check-runs/<uuid:check_run_id>"],
];

/** Routes with static / dynamic siblings, as the real GitHub API has (`/gists/public`). */
export const SIBLING_ROUTES: readonly Route[] = [
  [["GET"], "/gists/public"],
  [["GET"], "/gists/starred"],
  [["GET"], "/gists/<gist_id>/<sha>"],
  [["GET", "PATCH", "DELETE"], "/projects/columns/<int:column_id>"],
  [["GET", "PATCH", "DELETE"], "/projects/columns/cards/<int:card_id>"],
  [["GET"], "/repos/<owner>/<repo>/issues/comments"],
  [["GET", "PATCH", "DELETE"], "/repos/<owner>/<repo>/issues/comments/<int:comment_id>"],
  [["GET"], "/repos/<owner>/<repo>/issues/events"],
  [["GET"], "/repos/<owner>/<repo>/issues/events/<int:event_id>"],
  [["GET"], "/repos/<owner>/<repo>/releases/latest"],
  [["GET"], "/repos/<owner>/<repo>/releases/tags/<tag>"],
  [["GET", "PATCH", "DELETE"], "/repos/<owner>/<repo>/releases/assets/<int:asset_id>"],
];

/** Requests by kind: `[method, path]`. */
export const REQUESTS: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  static: [
    ["GET", "/"],
    ["GET", "/user/repos"],
    ["GET", "/search/repositories"],
    ["GET", "/rate_limit"],
    ["GET", "/user/emails"],
    ["POST", "/markdown/raw"],
    ["GET", "/gitignore/templates"],
    ["GET", "/marketplace_listing/plans"],
  ],
  dynamic: [
    ["GET", "/users/octocat"],
    ["GET", "/users/octocat/repos"],
    ["GET", "/repos/denoland/deno"],
    ["GET", "/repos/denoland/deno/issues/1234"],
    ["PATCH", "/orgs/denoland/hooks/42"],
    ["GET", "/gists/aa5a315d61ae9438b18d/comments/7"],
    ["GET", "/teams/12/members"],
    ["GET", "/events/0b3a1c2e-4d5f-4a6b-8c7d-9e0f1a2b3c4d"],
  ],
  deep: [
    ["GET", "/repos/denoland/deno/pulls/1234/reviews/5678"],
    ["GET", "/repos/denoland/deno/actions/runs/123456/jobs"],
    ["GET", "/repos/denoland/deno/actions/artifacts/99/zip"],
    ["GET", "/repos/denoland/deno/contents/cli/tools/bench/mod.rs"],
    ["GET", "/repos/denoland/deno/git/refs/heads/feature/router"],
    ["GET", "/repos/denoland/deno/releases/31337/assets"],
    ["GET", "/teams/7/repos/denoland/std"],
    ["GET", "/users/octocat/events/orgs/github"],
  ],
  "not found": [
    ["GET", "/unknown"],
    ["GET", "/repos/denoland/deno/nonexistent"],
    ["GET", "/users/octocat/repos/extra/deep"],
    ["GET", "/search/everything"],
    ["GET", "/repos/denoland/deno/issues/not-a-number"],
    ["GET", "/gists/abc/comments/7/extra"],
    ["GET", "/a/b/c/d/e/f"],
    ["GET", "/teams/x"],
  ],
};

/** Requests that hit the sibling routes (static beside dynamic). */
export const SIBLING_REQUESTS: readonly (readonly [string, string])[] = [
  ["GET", "/gists/public"],
  ["GET", "/gists/aa5a315d61ae9438b18d/3b18e512dba79e4c8300dd08aeb37f8e728b8dad"],
  ["GET", "/repos/denoland/deno/issues/comments/99"],
  ["GET", "/repos/denoland/deno/issues/events"],
  ["GET", "/repos/denoland/deno/releases/latest"],
  ["GET", "/repos/denoland/deno/releases/assets/31337"],
  ["GET", "/projects/columns/cards/5"],
  ["GET", "/projects/77"],
];

const UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const VARIABLE = /<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>/g;

/** The rule as a Hono pattern (`:id{[0-9]+}`, `:rest{.+}`). */
export function honoPattern(rule: string): string {
  return rule.replace(VARIABLE, (_, conv: string | undefined, args: string | undefined, name) => {
    if (conv === "int") return `:${name}{[0-9]+}`;
    if (conv === "uuid") return `:${name}{${UUID}}`;
    if (conv === "path") return `:${name}{.+}`;
    if (conv === "any") return `:${name}{${args!.split(",").map((s) => s.trim()).join("|")}}`;
    return `:${name}`;
  });
}

/** The rule as a find-my-way pattern (`:id(^\\d+$)`, `*`). */
export function findMyWayPattern(rule: string): string {
  return rule.replace(VARIABLE, (_, conv: string | undefined, args: string | undefined, name) => {
    if (conv === "int") return `:${name}(^\\d+$)`;
    if (conv === "uuid") return `:${name}(^${UUID}$)`;
    if (conv === "path") return "*";
    if (conv === "any") {
      return `:${name}(^(?:${args!.split(",").map((s) => s.trim()).join("|")})$)`;
    }
    return `:${name}`;
  });
}
