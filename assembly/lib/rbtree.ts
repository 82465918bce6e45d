// lib/rbtree: red-black trees of nodes embedded in other structures, as
// Linux's: the caller links a new node where its ordering says
// (rb_link_node) and calls rb_insert_color to rebalance; rb_erase unlinks.
// Nodes and the root are addresses (0 = none); the color lives in bit 0 of
// the parent word.
//
//  ╒═══ struct rb_node (12 bytes) ═════════════════════════╕
//   0  rb_left          u32
//   4  rb_right         u32
//   8  rb_parent_color  u32  parent address | RB_BLACK
//  ╘═══════════════════════════════════════════════════════╛
// `root` is the address of a u32 holding the root node (struct rb_root).

@inline export const RB_RED: u32 = 0;
@inline export const RB_BLACK: u32 = 1;

@unmanaged
export class rb_node {
  rb_left: u32;
  rb_right: u32;
  rb_parent_color: u32;
}

@inline function node(n: usize): rb_node { return changetype<rb_node>(n); }
@inline export function rb_parent(n: usize): usize { return node(n).rb_parent_color & ~3; }
@inline export function rb_is_black(n: usize): bool { return n == 0 || (node(n).rb_parent_color & RB_BLACK) != 0; }
@inline function rb_is_red(n: usize): bool { return !rb_is_black(n); }
@inline function rb_set_parent(n: usize, p: usize): void {
  node(n).rb_parent_color = <u32>p | (node(n).rb_parent_color & 3);
}
@inline function rb_set_color(n: usize, color: u32): void {
  node(n).rb_parent_color = (node(n).rb_parent_color & ~3) | color;
}

/** Places `n` as a red leaf under `parent` in the slot at `link` (rb_link_node). */
export function rb_link_node(n: usize, parent: usize, link: usize): void {
  const x = node(n);
  x.rb_left = 0;
  x.rb_right = 0;
  x.rb_parent_color = <u32>parent;
  store<u32>(link, <u32>n);
}

/** Puts `repl` where `old` hangs from its parent (or the root). */
function change_child(old: usize, repl: usize, parent: usize, root: usize): void {
  if (!parent) store<u32>(root, <u32>repl);
  else if (node(parent).rb_left == <u32>old) node(parent).rb_left = <u32>repl;
  else node(parent).rb_right = <u32>repl;
}

function rotate_left(x: usize, root: usize): void {
  const y = <usize>node(x).rb_right;
  const inner = <usize>node(y).rb_left;
  node(x).rb_right = <u32>inner;
  if (inner) rb_set_parent(inner, x);
  const p = rb_parent(x);
  rb_set_parent(y, p);
  change_child(x, y, p, root);
  node(y).rb_left = <u32>x;
  rb_set_parent(x, y);
}

function rotate_right(x: usize, root: usize): void {
  const y = <usize>node(x).rb_left;
  const inner = <usize>node(y).rb_right;
  node(x).rb_left = <u32>inner;
  if (inner) rb_set_parent(inner, x);
  const p = rb_parent(x);
  rb_set_parent(y, p);
  change_child(x, y, p, root);
  node(y).rb_right = <u32>x;
  rb_set_parent(x, y);
}

/** Rebalances after rb_link_node put the red node `n` in the tree. */
export function rb_insert_color(n: usize, root: usize): void {
  let z = n;
  while (true) {
    let p = rb_parent(z);
    if (!p || rb_is_black(p)) break;
    const g = rb_parent(p);  // p is red, so not the root
    if (<usize>node(g).rb_left == p) {
      const u = <usize>node(g).rb_right;
      if (rb_is_red(u)) {
        rb_set_color(p, RB_BLACK);
        rb_set_color(u, RB_BLACK);
        rb_set_color(g, RB_RED);
        z = g;
        continue;
      }
      if (<usize>node(p).rb_right == z) {
        rotate_left(p, root);
        z = p;
        p = rb_parent(z);
      }
      rb_set_color(p, RB_BLACK);
      rb_set_color(g, RB_RED);
      rotate_right(g, root);
    } else {
      const u = <usize>node(g).rb_left;
      if (rb_is_red(u)) {
        rb_set_color(p, RB_BLACK);
        rb_set_color(u, RB_BLACK);
        rb_set_color(g, RB_RED);
        z = g;
        continue;
      }
      if (<usize>node(p).rb_left == z) {
        rotate_right(p, root);
        z = p;
        p = rb_parent(z);
      }
      rb_set_color(p, RB_BLACK);
      rb_set_color(g, RB_RED);
      rotate_left(g, root);
    }
  }
  rb_set_color(<usize>load<u32>(root), RB_BLACK);
}

/** Unlinks `n` from the tree and rebalances. */
export function rb_erase(n: usize, root: usize): void {
  let x: usize;          // the node that moves into the removed position
  let xp: usize;         // x's parent afterwards (x may be 0)
  let removed_black: bool;
  const z = node(n);
  if (!z.rb_left || !z.rb_right) {
    x = z.rb_left ? <usize>z.rb_left : <usize>z.rb_right;
    xp = rb_parent(n);
    removed_black = rb_is_black(n);
    change_child(n, x, xp, root);
    if (x) rb_set_parent(x, xp);
  } else {
    // Replace n by its successor y, the leftmost node of its right subtree.
    let y = <usize>z.rb_right;
    while (node(y).rb_left) y = <usize>node(y).rb_left;
    removed_black = rb_is_black(y);
    x = <usize>node(y).rb_right;
    if (rb_parent(y) == n) {
      xp = y;
    } else {
      xp = rb_parent(y);
      node(xp).rb_left = <u32>x;
      if (x) rb_set_parent(x, xp);
      node(y).rb_right = z.rb_right;
      rb_set_parent(<usize>z.rb_right, y);
    }
    node(y).rb_left = z.rb_left;
    rb_set_parent(<usize>z.rb_left, y);
    const p = rb_parent(n);
    change_child(n, y, p, root);
    node(y).rb_parent_color = z.rb_parent_color;  // n's parent and color
  }
  if (removed_black) erase_fixup(x, xp, root);
}

/** Restores the black height after a black node left the path through x. */
function erase_fixup(x: usize, xp: usize, root: usize): void {
  while (x != <usize>load<u32>(root) && rb_is_black(x)) {
    if (<usize>node(xp).rb_left == x) {
      let w = <usize>node(xp).rb_right;
      if (rb_is_red(w)) {
        rb_set_color(w, RB_BLACK);
        rb_set_color(xp, RB_RED);
        rotate_left(xp, root);
        w = <usize>node(xp).rb_right;
      }
      if (rb_is_black(<usize>node(w).rb_left) && rb_is_black(<usize>node(w).rb_right)) {
        rb_set_color(w, RB_RED);
        x = xp;
        xp = rb_parent(x);
      } else {
        if (rb_is_black(<usize>node(w).rb_right)) {
          rb_set_color(<usize>node(w).rb_left, RB_BLACK);
          rb_set_color(w, RB_RED);
          rotate_right(w, root);
          w = <usize>node(xp).rb_right;
        }
        rb_set_color(w, node(xp).rb_parent_color & RB_BLACK);
        rb_set_color(xp, RB_BLACK);
        rb_set_color(<usize>node(w).rb_right, RB_BLACK);
        rotate_left(xp, root);
        x = <usize>load<u32>(root);
      }
    } else {
      let w = <usize>node(xp).rb_left;
      if (rb_is_red(w)) {
        rb_set_color(w, RB_BLACK);
        rb_set_color(xp, RB_RED);
        rotate_right(xp, root);
        w = <usize>node(xp).rb_left;
      }
      if (rb_is_black(<usize>node(w).rb_left) && rb_is_black(<usize>node(w).rb_right)) {
        rb_set_color(w, RB_RED);
        x = xp;
        xp = rb_parent(x);
      } else {
        if (rb_is_black(<usize>node(w).rb_left)) {
          rb_set_color(<usize>node(w).rb_right, RB_BLACK);
          rb_set_color(w, RB_RED);
          rotate_left(w, root);
          w = <usize>node(xp).rb_left;
        }
        rb_set_color(w, node(xp).rb_parent_color & RB_BLACK);
        rb_set_color(xp, RB_BLACK);
        rb_set_color(<usize>node(w).rb_left, RB_BLACK);
        rotate_right(xp, root);
        x = <usize>load<u32>(root);
      }
    }
  }
  if (x) rb_set_color(x, RB_BLACK);
}
