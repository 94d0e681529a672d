// The XLSForm expressions the forms use (relevant, constraint, calculation), read and evaluated on the phone with the
// server's meaning (inspections/forms.py): ${name} answers, '.' the answer being checked, 'text', numbers,
// = != < <= > >=, and or, + - * div mod, unary -, and if, selected, count-selected, string-length, not, true, false,
// number. A value compares as a number against a number, else as text; a missing answer is ''.

const TOKEN = /\s*(?:(\$\{[A-Za-z_][\w.-]*\})|('[^']*'|"[^"]*")|(\d+(?:\.\d+)?)|(!=|<=|>=|=|<|>|\(|\)|,|\+|-|\*)|([A-Za-z_][\w-]*)|(\.))/y;
const FUNCS = new Set(["if", "selected", "count-selected", "string-length", "not", "true", "false", "number"]);
const WORD_OPS = new Set(["and", "or", "div", "mod"]);

function tokenize(expr) {
  const out = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expr.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(expr);
    if (!m || TOKEN.lastIndex === at) {
      if (expr.slice(at).trim() === "") break;
      throw new SyntaxError(`cannot read expression at ${JSON.stringify(expr.slice(at))}`);
    }
    const [, ref, str, num, op, word, dot] = m;
    if (ref) out.push({ t: "ref", v: ref.slice(2, -1) });
    else if (str) out.push({ t: "str", v: str.slice(1, -1) });
    else if (num) out.push({ t: "num", v: Number(num) });
    else if (op) out.push({ t: "op", v: op });
    else if (word) {
      if (WORD_OPS.has(word)) out.push({ t: "op", v: word });
      else if (FUNCS.has(word)) out.push({ t: "fn", v: word });
      else throw new SyntaxError(`function or word ${JSON.stringify(word)} not supported`);
    } else if (dot) out.push({ t: "self" });
  }
  return out;
}

// Binding powers, loosest first: or, and, equality, order, + -, * div mod.
const BINARY = { or: 1, and: 2, "=": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5, "*": 6, div: 6, mod: 6 };

function parse(tokens) {
  let i = 0;
  const peek = () => tokens[i];
  const expect = (v) => {
    const tok = tokens[i++];
    if (!tok || tok.t !== "op" || tok.v !== v) throw new SyntaxError(`expected ${v}`);
  };
  function primary() {
    const tok = tokens[i++];
    if (!tok) throw new SyntaxError("unexpected end of expression");
    if (tok.t === "ref" || tok.t === "str" || tok.t === "num" || tok.t === "self") return tok;
    if (tok.t === "op" && tok.v === "-") return { t: "neg", a: primary() };
    if (tok.t === "op" && tok.v === "(") {
      const e = expression(0);
      expect(")");
      return e;
    }
    if (tok.t === "fn") {
      expect("(");
      const args = [];
      if (!(peek() && peek().t === "op" && peek().v === ")")) {
        args.push(expression(0));
        while (peek() && peek().t === "op" && peek().v === ",") { i++; args.push(expression(0)); }
      }
      expect(")");
      return { t: "call", f: tok.v, args };
    }
    throw new SyntaxError(`unexpected ${tok.v ?? tok.t}`);
  }
  function expression(minPower) {
    let left = primary();
    for (;;) {
      const tok = peek();
      const power = tok && tok.t === "op" ? BINARY[tok.v] : undefined;
      if (power === undefined || power <= minPower) return left;
      i++;
      left = { t: "bin", op: tok.v, a: left, b: expression(power) };
    }
  }
  const tree = expression(0);
  if (i < tokens.length) throw new SyntaxError(`unexpected ${tokens[i].v ?? tokens[i].t}`);
  return tree;
}

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** A value as a number (NaN when it is not one), as XPath's number(). */
export function num(v) {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  return typeof v === "string" && NUMBER.test(v) ? parseFloat(v) : NaN;
}

/** Whether a value counts as true: anything but '', an empty choice list, 0, false or a missing answer. */
export function truthy(v) {
  return !(v === "" || v === null || v === undefined || v === false || v === 0 ||
           (Array.isArray(v) && v.length === 0));
}

const text = (v) => (Array.isArray(v) ? v.join(" ") : v === null || v === undefined ? "" : String(v));
const items = (v) => (Array.isArray(v) ? v : text(v).split(/\s+/).filter(Boolean));

function compare(op, a, b) {
  let x, y;
  if ((typeof a === "number" || typeof a === "boolean") || (typeof b === "number" || typeof b === "boolean")) {
    x = num(a); y = num(b);
  } else {
    x = text(a); y = text(b);
  }
  switch (op) {
    case "=": return x === y;
    case "!=": return x !== y;
    case "<": return x < y;
    case "<=": return x <= y;
    case ">": return x > y;
    default: return x >= y;
  }
}

function run(node, answers, current) {
  switch (node.t) {
    case "ref": { const v = answers[node.v]; return v === undefined || v === null ? "" : v; }
    case "self": return current === undefined || current === null ? "" : current;
    case "str": case "num": return node.v;
    case "neg": return -num(run(node.a, answers, current));
    case "call": {
      const arg = (k) => run(node.args[k], answers, current);
      switch (node.f) {
        case "if": return truthy(arg(0)) ? arg(1) : arg(2);
        case "selected": return items(arg(0)).includes(text(arg(1)));
        case "count-selected": return items(arg(0)).length;
        case "string-length": return [...text(arg(0))].length;
        case "not": return !truthy(arg(0));
        case "true": return true;
        case "false": return false;
        default: return num(arg(0));
      }
    }
    default: {
      if (node.op === "and") return truthy(run(node.a, answers, current)) && truthy(run(node.b, answers, current));
      if (node.op === "or") return truthy(run(node.a, answers, current)) || truthy(run(node.b, answers, current));
      const a = run(node.a, answers, current), b = run(node.b, answers, current);
      switch (node.op) {
        case "+": return num(a) + num(b);
        case "-": return num(a) - num(b);
        case "*": return num(a) * num(b);
        case "div": return num(a) / num(b);
        case "mod": return num(a) % num(b);
        default: return compare(node.op, a, b);
      }
    }
  }
}

const compiled = new Map();

/** Evaluate an XLSForm expression against answers ('.' is `current`); a SyntaxError names what it cannot read. */
export function evaluate(expr, answers, current) {
  let tree = compiled.get(expr);
  if (!tree) {
    tree = parse(tokenize(expr));
    compiled.set(expr, tree);
  }
  return run(tree, answers || {}, current);
}
