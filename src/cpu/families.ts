// The instruction families: each file defines its instructions (insn.ts) as
// it is imported, or registers them with defineLater (the x87, SSE) to be
// defined on the decoder's first use of their opcodes. A new family is one
// more line here.

import "./alu.js";
import "./bits.js";
import "./bmi.js";
import "./muldiv.js";
import "./move.js";
import "./branch.js";
import "./string.js";
import "./system.js";
import "./sse.js";
import "./x87_insns.js";
import "./sse_float_insns.js";
import "./sse4.js";
import "./avx.js";
import "./fma.js";
