/**
 * Just enough of GitHub Actions' expression language to decide, as GitHub would, whether a job runs: literals,
 * context paths (`needs.x.result`, `inputs.mode`), `== != && || !`, parentheses and the status functions.
 * Comparisons of strings ignore case, as GitHub's do. Anything else fails loudly rather than guessing.
 */
export interface ExpressionContext {
  /** Looks up a context path such as `needs.changes.outputs.app`; undefined when it has no value. */
  lookup(path: string): unknown;
  /** What `success()`, `failure()`, `cancelled()` and `always()` return for the job being evaluated. */
  status: { success: boolean; failure: boolean; cancelled: boolean };
}

type Token = { kind: 'string' | 'number' | 'path' | 'op' | 'paren' | 'call'; text: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:'((?:[^']|'')*)'|(\d+(?:\.\d+)?)|(==|!=|&&|\|\||!)|([()])|([A-Za-z_][\w-]*(?:\.[\w-]+|\[\d+\])*)(\(\))?)/y;
  let index = 0;
  while (index < expression.length) {
    if (/^\s*$/.test(expression.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(expression);
    if (!match) throw new Error(`cannot read expression at "${expression.slice(index)}"`);
    index = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'string', text: match[1].replaceAll("''", "'") });
    else if (match[2] !== undefined) tokens.push({ kind: 'number', text: match[2] });
    else if (match[3] !== undefined) tokens.push({ kind: 'op', text: match[3] });
    else if (match[4] !== undefined) tokens.push({ kind: 'paren', text: match[4] });
    else if (match[6] !== undefined) tokens.push({ kind: 'call', text: match[5]! });
    else tokens.push({ kind: 'path', text: match[5]! });
  }
  return tokens;
}

const STATUS_FUNCTIONS = ['success', 'failure', 'cancelled', 'always'];

const truthy = (value: unknown) =>
  value !== undefined && value !== null && value !== false && value !== '' && value !== 0;

function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (a === undefined || a === null) return b === '' || b === undefined || b === null;
  if (b === undefined || b === null) return a === '';
  return String(a) === String(b);
}

/** Evaluates an expression (without `${{ }}`) in the context. */
export function evaluate(expression: string, context: ExpressionContext): unknown {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];

  function primary(): unknown {
    const token = next();
    if (!token) throw new Error(`unexpected end of "${expression}"`);
    if (token.kind === 'op' && token.text === '!') return !truthy(primary());
    if (token.kind === 'paren' && token.text === '(') {
      const value = or();
      if (next()?.text !== ')') throw new Error(`missing ) in "${expression}"`);
      return value;
    }
    if (token.kind === 'string') return token.text;
    if (token.kind === 'number') return Number(token.text);
    if (token.kind === 'call') {
      if (!STATUS_FUNCTIONS.includes(token.text)) throw new Error(`unsupported function ${token.text}()`);
      if (token.text === 'always') return true;
      return context.status[token.text as 'success' | 'failure' | 'cancelled'];
    }
    if (token.kind === 'path') {
      if (token.text === 'true' || token.text === 'false') return token.text === 'true';
      return context.lookup(token.text);
    }
    throw new Error(`unexpected "${token.text}" in "${expression}"`);
  }
  function comparison(): unknown {
    let left = primary();
    while (peek()?.kind === 'op' && (peek()!.text === '==' || peek()!.text === '!=')) {
      const op = next()!.text;
      const right = primary();
      left = op === '==' ? equal(left, right) : !equal(left, right);
    }
    return left;
  }
  function and(): unknown {
    let left = comparison();
    while (peek()?.text === '&&') {
      next();
      const right = comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  }
  function or(): unknown {
    let left = and();
    while (peek()?.text === '||') {
      next();
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  }

  const value = or();
  if (position !== tokens.length) throw new Error(`unexpected "${peek()!.text}" in "${expression}"`);
  return value;
}

/**
 * Whether a job or step with this `if:` runs. As on GitHub, a condition that calls no status function is
 * `success() && (condition)`, and a missing one is `success()`.
 */
export function runs(condition: string | boolean | undefined, context: ExpressionContext): boolean {
  if (condition === undefined) return context.status.success;
  const text = String(condition)
    .replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
    .trim();
  const callsStatus = STATUS_FUNCTIONS.some((name) => new RegExp(`\\b${name}\\(\\)`).test(text));
  return truthy(evaluate(callsStatus ? text : `success() && (${text})`, context));
}

/** `${{ expression }}` parts of a value, replaced by what they evaluate to. */
export function interpolate(value: unknown, context: ExpressionContext): unknown {
  if (typeof value !== 'string') return value;
  const whole = /^\$\{\{([\s\S]*)\}\}$/.exec(value.trim());
  if (whole) return evaluate(whole[1]!.trim(), context);
  return value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, inner: string) =>
    String(evaluate(inner.trim(), context) ?? ''),
  );
}

export const truthyValue = truthy;
