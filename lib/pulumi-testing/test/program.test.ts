import { beforeAll, describe, expect, it } from 'vitest';
import {
  declared,
  isSecret,
  isSecretInput,
  named,
  ofType,
  one,
  type ProgramRun,
  policyResources,
  recordingMocks,
  runProgram,
  urnName,
} from '../index';

type Fixture = typeof import('./fixture/program.js');
let run: ProgramRun<Fixture>;

beforeAll(async () => {
  run = await runProgram({
    project: 'fixture',
    stack: 'dev',
    config: { infraStack: 'org/infra/dev', label: 'blue' },
    stackOutputs: { 'org/infra/dev': { region: 'eu-west-1', kubeconfig: '{}' } },
    secretStackOutputs: ['kubeconfig'],
    outputs: (args) => (args.type === 'test:index:Thing' ? { computed: `${args.name}-computed` } : undefined),
    call: (args) => (args.token === 'test:index:lookup' ? { answer: 42 } : undefined),
    program: () => import('./fixture/program.js'),
  });
});

describe('runProgram', () => {
  it('records every resource in registration order, with the config it was given', () => {
    expect(declared(run.resources).map((r) => `${r.type}::${r.name}`)).toEqual([
      'test:index:Thing::base',
      'test:index:Group::group',
      'test:index:Thing::group-member',
      'test:index:Thing::guarded',
    ]);
    expect(named(run.resources, 'test:index:Thing', 'base').inputs.label).toBe('blue');
  });

  it('keeps secret inputs both wrapped (raw) and unwrapped (inputs)', () => {
    const base = named(run.resources, 'test:index:Thing', 'base');
    expect(isSecretInput(base.raw.password)).toBe(true);
    expect(base.inputs.password).toBe('s3cret');
    expect(policyResources([base])).toEqual([{ type: base.type, name: 'base', props: base.raw }]);
  });

  it('answers a StackReference with the outputs given for its name, secret where asked', async () => {
    const reference = one(run.resources, 'pulumi:pulumi:StackReference');
    expect(reference.id).toBe('org/infra/dev');
    expect(run.outputs.region).toBe('eu-west-1');
    expect(await isSecret(run.exports.kubeconfig!)).toBe(true);
    expect(await isSecret(run.exports.region!)).toBe(false);
  });

  it('merges extra state over the inputs and answers calls', () => {
    expect(run.outputs.computed).toBe('base-computed');
    expect(run.outputs.answer).toBe(42);
    expect(run.calls.map((c) => c.token)).toEqual(['test:index:lookup']);
  });

  it('reads the options of each registration', () => {
    const guarded = named(run.resources, 'test:index:Thing', 'guarded').options;
    expect(guarded.ignoreChanges).toEqual(['size']);
    expect(guarded.retainOnDelete).toBe(true);
    expect(guarded.protect).toBe(true);
    expect(guarded.customTimeouts).toEqual({ create: '5m', update: undefined, delete: '2m' });
    expect(guarded.hooks.beforeDelete).toEqual(['announce']);
    expect(guarded.hooks.afterDelete).toEqual([]);
    expect(guarded.dependsOn).toContain(named(run.resources, 'test:index:Thing', 'base').urn);
    expect(run.hooks).toEqual(['announce']);
  });

  it('records parents and explicit dependencies of components', () => {
    const member = named(run.resources, 'test:index:Thing', 'group-member');
    expect(urnName(member.options.parent)).toBe('group');
    expect(named(run.resources, 'test:index:Group', 'group').options.dependsOn.map(urnName)).toEqual([
      'base',
    ]);
    expect(run.outputs.memberName).toBe('group-member');
  });

  it('gives every resource, reads included, the URN the engine answered with', () => {
    expect(named(run.resources, 'test:index:Thing', 'group-member').urn).toBe(
      'urn:pulumi:dev::fixture::test:index:Group$test:index:Thing::group-member',
    );
    expect(one(run.resources, 'pulumi:pulumi:StackReference').urn).toMatch(
      /::pulumi:pulumi:StackReference::infra$/,
    );
  });

  it('leaves reads out of declared resources but finds them by type', () => {
    expect(ofType(run.resources, 'pulumi:pulumi:StackReference')).toHaveLength(1);
    expect(declared(run.resources).some((r) => r.type === 'pulumi:pulumi:StackReference')).toBe(false);
  });

  it('names the resource when one() finds none or several', () => {
    expect(() => one(run.resources, 'test:index:Thing')).toThrow(/expected one test:index:Thing, found 3/);
    expect(() => one(run.resources, 'test:index:Thing', 'nothing')).toThrow(/named \*nothing\*, found 0/);
  });
});

describe('recordingMocks', () => {
  it('names a StackReference it has no outputs for', () => {
    const { mocks } = recordingMocks({ stackOutputs: { 'org/infra/dev': {} } });
    const args = {
      type: 'pulumi:pulumi:StackReference',
      name: 'infra',
      inputs: { name: 'org/infra/prod' },
      custom: true,
    };
    expect(() => mocks.newResource(args)).toThrow(
      /no stack outputs given for StackReference org\/infra\/prod/,
    );
  });

  it('echoes the inputs of a call it has no answer for, and records it', () => {
    const { mocks, calls } = recordingMocks({ call: () => undefined });
    expect(mocks.call({ token: 'test:index:other', inputs: { key: 'k' } })).toEqual({ key: 'k' });
    expect(calls.map((c) => c.token)).toEqual(['test:index:other']);
  });
});
