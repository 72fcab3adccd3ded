import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findTool, IN_CI, missingToolMessage, RULES_FILE, RULES_TEST_FILE } from './prometheus.js';

/** The alert rules as promtool sees them: valid, and each alert proven to fire and to stay silent. */

const promtool = findTool('promtool');
if (!promtool && !IN_CI)
  console.warn(`\n${missingToolMessage('promtool')}: the alert rule tests are skipped.\n`);
const describeTool = promtool || IN_CI ? describe : describe.skip;

function run(...args: string[]) {
  if (!promtool) throw new Error(`${missingToolMessage('promtool')}; CI=true requires it`);
  const result = spawnSync(promtool, args, { encoding: 'utf8' });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

const rulesText = readFileSync(RULES_FILE, 'utf8');
const alertNames = [...rulesText.matchAll(/^\s*- alert:\s*(\S+)\s*$/gm)].map((match) => match[1] as string);

/** For each alertname in the unit tests: does a case expect it to fire, does one expect it silent? */
function expectations(testText: string): Map<string, { fires: boolean; silent: boolean }> {
  const seen = new Map<string, { fires: boolean; silent: boolean }>();
  let current: string | undefined;
  for (const line of testText.split('\n')) {
    const name = /^\s*alertname:\s*(\S+)/.exec(line)?.[1];
    if (name) {
      current = name;
      if (!seen.has(name)) seen.set(name, { fires: false, silent: false });
      continue;
    }
    const expected = /^\s*exp_alerts:\s*(\[\])?\s*$/.exec(line);
    if (expected && current) {
      const entry = seen.get(current)!;
      if (expected[1]) entry.silent = true;
      else entry.fires = true;
      current = undefined;
    }
  }
  return seen;
}

describeTool('alert rules (promtool)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'crm-rules-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('holds the alerts the service needs', () => {
    expect(alertNames.sort()).toEqual(
      [
        'CrmAppDown',
        'CrmHighErrorRatio',
        'CrmHighLatencyP99',
        'CrmMongoDBUnreachable',
        'CrmNoScrapeTargets',
        'CrmPodRestarting',
        'CrmReadinessFailing',
        'CrmScrapeTargetDown',
      ].sort(),
    );
  });

  it('passes promtool check rules', () => {
    const { code, output } = run('check', 'rules', RULES_FILE);
    expect(output).toContain(`SUCCESS: ${alertNames.length} rules found`);
    expect(code).toBe(0);
  });

  it('has a firing and a silent unit test case for every alert', () => {
    const seen = expectations(readFileSync(RULES_TEST_FILE, 'utf8'));
    for (const name of alertNames)
      expect([name, seen.get(name)]).toEqual([name, { fires: true, silent: true }]);
    expect([...seen.keys()].filter((name) => !alertNames.includes(name))).toEqual([]);
  });

  it('passes promtool test rules', () => {
    const { code, output } = run('test', 'rules', RULES_TEST_FILE);
    expect(output).toContain('SUCCESS');
    expect(code).toBe(0);
  });

  it('fails the unit tests when the rules select another job', () => {
    // The same tests against rules that look at a job that does not exist: every firing case must break.
    mkdirSync(join(scratch, 'tests'));
    writeFileSync(join(scratch, 'crm-alerts.yaml'), rulesText.replaceAll('job="crm-app"', 'job="crm-api"'));
    writeFileSync(join(scratch, 'tests', 'crm-alerts.test.yaml'), readFileSync(RULES_TEST_FILE, 'utf8'));
    const { code, output } = run('test', 'rules', join(scratch, 'tests', 'crm-alerts.test.yaml'));
    expect(code).not.toBe(0);
    for (const name of ['CrmHighErrorRatio', 'CrmHighLatencyP99', 'CrmScrapeTargetDown', 'CrmAppDown']) {
      expect(output).toContain(`alertname: ${name}`);
    }
  });
});
