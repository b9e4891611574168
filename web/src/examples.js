// examples.js: what the example menu offers: an expression in agrad's
// language, its inputs, and a claim to check (a hand-derived derivative).

export const EXAMPLES = [
  {
    title: 'One neuron (notes 004): C = ½(σ(w1 x1 + b) − y)²',
    expr: '# one neuron, squared error (notes 004, F8)\nz = w1*x1 + b;\na = sigmoid(z);\nC = 0.5*(a - y)^2',
    inputs: 'w1=0.6 x1=1.5 b=-0.2 y=1',
    wrt: 'w1',
    expect: '(sigmoid(w1*x1 + b) - y) * sigmoid(w1*x1 + b) * (1 - sigmoid(w1*x1 + b)) * x1',
  },
  {
    title: 'Two-layer network: tanh hidden layer, sigmoid output',
    expr: '# 2 inputs, 2 tanh hidden units, 1 sigmoid output, squared error\n' +
      'h1 = tanh(w11*x1 + w12*x2 + b1);\nh2 = tanh(w21*x1 + w22*x2 + b2);\n' +
      'o = sigmoid(v1*h1 + v2*h2 + c);\nL = 0.5*(o - y)^2',
    inputs: 'x1=0.5 x2=-1 w11=0.1 w12=-0.3 w21=0.4 w22=0.2 b1=0 b2=0.1 v1=0.7 v2=-0.5 c=0.05 y=1',
    wrt: 'c',
    expect: '(sigmoid(v1*tanh(w11*x1 + w12*x2 + b1) + v2*tanh(w21*x1 + w22*x2 + b2) + c) - y) * ' +
      'sigmoid(v1*tanh(w11*x1 + w12*x2 + b1) + v2*tanh(w21*x1 + w22*x2 + b2) + c) * ' +
      '(1 - sigmoid(v1*tanh(w11*x1 + w12*x2 + b1) + v2*tanh(w21*x1 + w22*x2 + b2) + c))',
  },
  {
    title: 'Softmax cross-entropy, three classes, target class 1',
    expr: '# L = -log softmax(z)_1  (notes 002, F5)\ne1 = exp(z1);\ne2 = exp(z2);\ne3 = exp(z3);\n' +
      's = e1 + e2 + e3;\nL = -log(e1 / s)',
    inputs: 'z1=2 z2=1 z3=0.1',
    wrt: 'z1',
    expect: 'exp(z1) / (exp(z1) + exp(z2) + exp(z3)) - 1',
  },
  {
    title: 'The sigmoid\'s derivative (F1): σ\'(z) = σ(z)(1 − σ(z))',
    expr: 'sigmoid(z)',
    inputs: 'z=0.5',
    wrt: 'z',
    expect: 'sigmoid(z) * (1 - sigmoid(z))',
  },
];
