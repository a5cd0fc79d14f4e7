/**
 * Debian's alertmanager (tools/bin, from `npm run setup`) reads its default notification templates (default.tmpl,
 * email.tmpl) from the absolute path /usr/share/prometheus/alertmanager — a Debian patch; upstream embeds them — and
 * refuses every config without them. `npm run setup` extracts the package under tools/ (dpkg -x, nothing installed
 * in the system), so that path does not exist. When it is missing, the demo runs a copy of the binary in which the
 * 34-byte path string is replaced by a path of the same length: a temporary symlink to the package's own
 * usr/share/prometheus/alertmanager. Nothing outside the demo's temp files changes.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TOOLS_BIN } from "./tools";

export const DEBIAN_AM_SHARE = "/usr/share/prometheus/alertmanager";
const PACKAGE_SHARE = path.resolve(TOOLS_BIN, "..", "debian", "prometheus-alertmanager", "usr", "share", "prometheus", "alertmanager");

export interface RunnableAlertmanager {
  bin: string;
  cleanup: () => void;
}

/** A same-length path under the temp dir (or /tmp when the temp dir's name is too long). */
function sameLengthPath(length: number): string {
  for (const base of [os.tmpdir(), "/tmp"]) {
    const prefix = path.join(base, "am-");
    if (prefix.length + 6 <= length) return prefix + randomBytes(length).toString("hex").slice(0, length - prefix.length);
  }
  throw new Error(`no temp path short enough (${length} characters) for the alertmanager template path`);
}

/** `bin` when the system has the templates; otherwise a patched copy in `workDir` and the symlink it reads. */
export function runnableAlertmanager(bin: string, workDir: string): RunnableAlertmanager {
  if (fs.existsSync(path.join(DEBIAN_AM_SHARE, "default.tmpl"))) return { bin, cleanup: () => undefined };
  if (!fs.existsSync(path.join(PACKAGE_SHARE, "default.tmpl"))) throw new Error(`no ${PACKAGE_SHARE}/default.tmpl: run \`npm run setup\``);
  const original = fs.readFileSync(fs.realpathSync(bin));
  const from = Buffer.from(DEBIAN_AM_SHARE);
  const link = sameLengthPath(from.length);
  const to = Buffer.from(link);
  let patched = 0;
  for (let at = original.indexOf(from); at >= 0; at = original.indexOf(from, at + from.length)) {
    to.copy(original, at);
    patched++;
  }
  if (patched === 0) throw new Error(`${bin} does not contain ${DEBIAN_AM_SHARE}: not Debian's build? Put its templates there or use a Debian alertmanager`);
  const copy = path.join(workDir, "alertmanager");
  fs.writeFileSync(copy, original, { mode: 0o755 });
  fs.symlinkSync(PACKAGE_SHARE, link);
  return { bin: copy, cleanup: () => fs.rmSync(link, { force: true }) };
}
