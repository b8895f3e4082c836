// Private to the static file engine: `gzip_static`. Which precompressed siblings a client takes
// (`file.br`, then `file.gz`), read from Accept-Encoding through the toolkit's parser.

import { parseAcceptEncoding } from "../../toolkit/http/accept.ts";

/** A sibling to try: the encoding and the file-name suffix. */
export interface Sibling {
  encoding: "br" | "gzip";
  suffix: string;
}

const BR: Sibling = { encoding: "br", suffix: ".br" };
const GZIP: Sibling = { encoding: "gzip", suffix: ".gz" };
const NONE: readonly Sibling[] = [];

let lastHeader: string | null = null;
let lastResult: readonly Sibling[] = NONE;

/**
 * The siblings `header` accepts (quality above 0 and not below identity's), best first, br
 * before gzip on a tie. No header: none (as in nginx).
 */
export function acceptedSiblings(header: string | null): readonly Sibling[] {
  if (header === null || header === "") return NONE;
  if (header === lastHeader) return lastResult;
  const accept = parseAcceptEncoding(header);
  const identity = accept.quality("identity");
  const br = accept.quality("br");
  const gzip = accept.quality("gzip");
  const result: Sibling[] = [];
  if (br > 0 && br >= identity) result.push(BR);
  if (gzip > 0 && gzip >= identity) result.push(GZIP);
  if (result.length === 2 && gzip > br) result.reverse();
  lastHeader = header;
  lastResult = result;
  return result;
}
