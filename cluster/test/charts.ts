import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChartPin } from '../versions';

/** helm from HELM_BIN, then the Go bin directory scripts/install-helm.sh installs into, then PATH. */
export function findHelm(): string | undefined {
  const candidates: string[] = [];
  if (process.env.HELM_BIN) candidates.push(process.env.HELM_BIN);
  try {
    const gobin = execFileSync('go', ['env', 'GOBIN'], { encoding: 'utf8' }).trim();
    const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).trim();
    if (gobin) candidates.push(path.join(gobin, 'helm'));
    if (gopath) candidates.push(path.join(gopath, 'bin', 'helm'));
  } catch {
    // No Go toolchain: fall through to PATH.
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) candidates.push(path.join(dir, 'helm'));
  return candidates.find((c) => fs.existsSync(c));
}

export const tempDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/**
 * A stand-in for an upstream chart: a chart directory whose Chart.yaml carries the pin's name and `version`, and
 * one ConfigMap template. Nothing fetched from a chart repository: the tests only check where a chart is taken from.
 */
export function stubChart(parent: string, pin: Pick<ChartPin, 'chart' | 'version'>): string {
  const dir = path.join(parent, pin.chart);
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'Chart.yaml'),
    `apiVersion: v2\nname: ${pin.chart}\ndescription: test stand-in\ntype: application\nversion: "${pin.version}"\nappVersion: "0.0.0"\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'templates', 'configmap.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata: {}\n',
  );
  return dir;
}

/** The chart directory packaged as `<out>/<chart>-<version>.tgz` with tar (what `helm package` lays out). */
export function tarChart(chartDir: string, out: string, version: string): string {
  const file = path.join(out, `${path.basename(chartDir)}-${version}.tgz`);
  execFileSync('tar', ['-czf', file, '-C', path.dirname(chartDir), path.basename(chartDir)]);
  return file;
}
