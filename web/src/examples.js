// examples.js: what the example menu offers: programs in agrad's derivation
// language (docs/lang.md) with claims to check, then the derivation files
// of examples/derivations/, put into the page at build time (EXAMPLE_FILES:
// [[file name, text], ...]).

/* global EXAMPLE_FILES */
export const EXAMPLES = [
  {
    title: 'One neuron (note 004): C = ½(σ(w1 x1 + b) − y)²',
    src: `# one neuron, squared error (note 004 of docs/formulas.md, F8)
w1 = 0.6
x1 = 1.5
b = -0.2
y = 1
z = w1*x1 + b
a = sigmoid(z)
C = 0.5*(a - y)^2
# F8: dC/dw1 = (a - y) σ'(z) x1, with σ'(z) = σ(z)(1 - σ(z))
claim dC/dw1 = (a - y) * a * (1 - a) * x1
claim dC/db = (a - y) * a * (1 - a)`,
  },
  {
    title: 'Two-layer network: tanh hidden layer, sigmoid output',
    src: `# 2 inputs, 2 tanh hidden units, 1 sigmoid output, squared error
x = [0.5, -1]
W1 = [[0.1, -0.3], [0.4, 0.2]]
b1 = [0, 0.1]
v = [0.7, -0.5]
c = 0.05
y = 1
h = tanh(W1 @ x + b1)
o = sigmoid(v @ h + c)
L = 0.5*(o - y)^2
delta = (o - y) * o * (1 - o)
claim dL/dc = delta
claim dL/dv = delta * h
claim dL/dW1 = outer(delta * v * (1 - h^2), x)`,
  },
  {
    title: 'Softmax cross-entropy, three classes',
    src: `# L = -sum y log softmax(z), y one-hot (note 002, F5)
z = [2, 1, 0.1]
y = [1, 0, 0]
s = softmax(z)
L = -sum(y * log(s))
claim dL/dz = s - y`,
  },
  // our own files, not user text: the loss to step from is the last one assigned
  ...EXAMPLE_FILES.map(([name, text]) => ({
    title: `examples/derivations/${name}`,
    src: text,
    of: [...text.matchAll(/^(L|C|J|loss)\s*=/gm)].map((m) => m[1]).pop() || '',
  })),
];
