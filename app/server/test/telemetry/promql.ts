/**
 * Just enough PromQL structure for the live test: the operands of an expression's top-level comparison or set
 * operator (an alert's condition without its threshold), and the metric names a selector names.
 */

const COMPARISON = ['==', '!=', '>=', '<=', '>', '<'];
const SET_OPERATORS = ['and', 'or', 'unless'];
const MODIFIERS = /^\s*(bool\b|(on|ignoring|group_left|group_right)\s*\([^)]*\)|group_left\b|group_right\b)/;

/** Positions of the text that is at parenthesis/bracket/brace depth 0 and outside string literals. */
function topLevel(expr: string): boolean[] {
  let depth = 0;
  return outsideQuotes(expr).map((outside, i) => {
    if (!outside) return false;
    const char = expr[i] as string;
    if ('([{'.includes(char)) depth++;
    else if (')]}'.includes(char)) depth--;
    return depth === 0 && !'([{)]}'.includes(char);
  });
}

/** Index of the bracket closing the one at `open`, or -1. */
function closing(text: string, open: number): number {
  const flags = topLevel(text.slice(0, open));
  if (flags.length !== open) return -1;
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const char = text[i] as string;
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = null;
    } else if (char === '"' || char === "'" || char === '`') quote = char;
    else if ('([{'.includes(char)) depth++;
    else if (')]}'.includes(char) && --depth === 0) return i;
  }
  return -1;
}

/** Removes parentheses that enclose the whole expression ("(a) / (b)" stays as it is). */
export function unwrap(expr: string): string {
  let text = expr.trim();
  while (text.startsWith('(') && closing(text, 0) === text.length - 1) text = text.slice(1, -1).trim();
  return text;
}

/**
 * Splits `lhs <op> rhs` at top-level comparison and set operators, dropping modifiers such as `bool` and
 * `on(...)`. An expression without such an operator is its own single operand.
 */
export function operands(expr: string): string[] {
  const text = unwrap(expr);
  const flags = topLevel(text);
  const parts: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    let length = 0;
    if (flags[i]) {
      const op = COMPARISON.find((candidate) => text.startsWith(candidate, i));
      // `=~` and `!~` only appear inside braces, which are never top level.
      if (op) length = op.length;
      else {
        const word = SET_OPERATORS.find(
          (candidate) =>
            text.startsWith(candidate, i) &&
            !/[\w:]/.test(text[i - 1] ?? ' ') &&
            !/[\w:]/.test(text[i + candidate.length] ?? ' '),
        );
        if (word) length = word.length;
      }
    }
    if (length === 0) {
      i++;
      continue;
    }
    parts.push(text.slice(start, i));
    i += length;
    const modifier = MODIFIERS.exec(text.slice(i));
    if (modifier) i += modifier[0].length;
    start = i;
  }
  parts.push(text.slice(start));
  return parts.map(unwrap).filter((part) => part !== '');
}

export const isNumber = (expr: string) => /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(unwrap(expr));

/** `absent(x)` is empty while x has series: what it watches is x. */
export function watched(expr: string): string {
  const match = /^absent(_over_time)?\((.*)\)$/s.exec(unwrap(expr));
  return match?.[2] ? watched(match[2]) : expr;
}

/** Metric names of the selectors in an expression (`name{...}` or a bare name before `[`). */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  const flags = topLevelOfBraces(expr);
  for (const match of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{|\[)/g)) {
    if (flags[match.index ?? 0]) names.add(match[1] as string);
  }
  return [...names];
}

/** Positions outside braces and string literals (label names inside `{...}` are not metric names). */
function topLevelOfBraces(expr: string): boolean[] {
  const flags: boolean[] = [];
  let braces = 0;
  let quote: string | null = null;
  for (const char of expr) {
    if (quote) {
      if (char === quote) quote = null;
      flags.push(false);
      continue;
    }
    if (char === '"') quote = char;
    if (char === '{') braces++;
    flags.push(braces === 0 && quote === null);
    if (char === '}') braces--;
  }
  return flags;
}

/** Positions outside string literals. */
function outsideQuotes(expr: string): boolean[] {
  const flags: boolean[] = [];
  let quote: string | null = null;
  for (let i = 0; i < expr.length; i++) {
    const char = expr[i] as string;
    if (quote) {
      flags.push(false);
      if (char === '\\') {
        flags.push(false);
        i++;
      } else if (char === quote) quote = null;
    } else {
      if (char === '"' || char === "'" || char === '`') quote = char;
      flags.push(quote === null);
    }
  }
  return flags;
}

/** `<lhs> or vector(<number>)`: the constant that keeps a panel at 0 instead of "No data". */
const FALLBACK = /\s+or\s+vector\(\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*\)/g;

function fallbacks(expr: string): RegExpExecArray[] {
  const outside = outsideQuotes(expr);
  return [...expr.matchAll(FALLBACK)].filter((match) => outside[match.index]);
}

/**
 * The expression without its `or vector(N)` fallbacks. A fallback always yields a series, so an expression
 * that keeps one returns series even when the selector it guards matches nothing (a misspelt label).
 */
export function withoutFallbacks(expr: string): string {
  let text = '';
  let from = 0;
  for (const match of fallbacks(expr)) {
    text += expr.slice(from, match.index);
    from = match.index + match[0].length;
  }
  return text + expr.slice(from);
}

/**
 * What each `or vector(N)` fallback stands in for: the left-hand side of the `or` within its parentheses (or
 * the whole expression), split into its own operands so that no other operand of an `or` can hide it either.
 */
export function fallbackOperands(expr: string): string[] {
  const outside = outsideQuotes(expr);
  return fallbacks(expr).flatMap((match) => {
    let depth = 0;
    let start = 0;
    for (let i = match.index - 1; i >= 0; i--) {
      if (!outside[i]) continue;
      const char = expr[i] as string;
      if (')]}'.includes(char)) depth++;
      else if ('([{'.includes(char) && depth-- === 0) {
        start = i + 1;
        break;
      }
    }
    return operands(withoutFallbacks(expr.slice(start, match.index))).filter((part) => !isNumber(part));
  });
}
