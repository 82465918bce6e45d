// The instruction families: each file defines its instructions (insn.ts) as
// it is imported. A new family is one more line here.

import "./alu.js";
import "./bits.js";
import "./muldiv.js";
import "./move.js";
import "./branch.js";
import "./string.js";
import "./system.js";
import "./sse.js";
