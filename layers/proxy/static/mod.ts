/**
 * The proxy's static files: the URI step (`normalizeUri`), where a URI lives on disk
 * (`mapPath`), what is there (`probe`, for `try_files`) and the handler that answers with it
 * (`StaticFiles`), sharing the toolkit's conditional, range, ETag, date and MIME logic.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Settings } from "../config/types.ts";
 * import { mapPath, normalizeUri } from "./mod.ts";
 *
 * const settings = { root: "/srv/www", alias: null, hiddenFiles: false } as Settings;
 * const uri = normalizeUri("/css/../img/logo%20big.png");
 * assert.equal(uri, "/img/logo big.png");
 * assert.equal(mapPath(uri, settings, null), "/srv/www/img/logo big.png");
 * assert.equal(normalizeUri("/%2e%2e/etc/passwd"), 400);
 * ```
 *
 * @module
 */

export { type LocationPattern, mapPath } from "./map_path.ts";
export { normalizeUri } from "./normalize_uri.ts";
export { probe, type ProbeResult, StaticFiles, type StaticFilesOptions } from "./static_files.ts";
