// Debian's static busybox, its applets as a new user runs them: each
// script, in a fresh directory under /tmp, gives the same stdout, stderr and
// exit status under faultline as natively, and the files it leaves (listed,
// hashed, stat'ed by the script itself) are the same. PATH holds only
// links to busybox, so `sh` runs the applets rather than the host's
// dynamically linked tools. Dates are fixed with touch -d where a listing
// shows them; what the host's /tmp file system decides (a directory's size
// and blocks: ext4's 4096 against tmpfs's 20 per entry) is left out.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { needs, TOOLS } from "../helpers/tools.js";

const CLI = new URL("../../dist/cli/faultline.js", import.meta.url).pathname;
const BUSYBOX = "/bin/busybox";

/** Each case: a name, and a script run in its own empty directory holding f1 (four lines) and nums (1 to 20). */
const SCRIPTS: Array<[string, string]> = [
  ["files: cp mv rm mkdir rmdir", `
    cp f1 f2; cat f2; mv f2 g; ls; rm g; rm nothing; echo rm $?
    mkdir -p a/b/c; mkdir a; echo mkdir $?; rmdir a/b/c a/b; rmdir a; ls; rmdir nums; echo rmdir $?
    cp -r . ../$(basename $PWD)-copy 2>&1; echo cp -r $?; rm -r ../$(basename $PWD)-copy`],
  ["links: ln readlink realpath stat", `
    ln -s f1 s; ln f1 h; ln -s nowhere dangling; ln f1 h; echo ln $?
    readlink s; readlink -f s | sed "s|$PWD|D|"; realpath h | sed "s|$PWD|D|"
    stat -c '%n %h %s %F %a' f1 h s dangling; stat -L -c '%n %F' s; cat h; rm f1; stat -c '%n %h' h
    mkdir d; ln -s d l; realpath l/../nums | sed "s|$PWD|D|"; ls -l s | cut -c1-10`],
  ["attributes: chmod chown chgrp touch umask", `
    chmod 751 f1; stat -c %a f1; chmod u-x,g+w f1; stat -c '%a %A' f1; chmod -R go-rwx .; stat -c %a nums
    chmod 4755 nums; chown 0:0 nums; stat -c %a nums; chown 12:34 f1; stat -c '%u %g' f1; chgrp 0 f1; echo chgrp $?
    touch -d '2020-01-02 03:04:05' f1; stat -c '%Y %X %y' f1; touch -r f1 nums; stat -c %Y nums
    touch -d '2021-05-06 07:08:09' new; ls -l --full-time new | cut -c1-10,40-
    umask 027; touch nf; mkdir nd; stat -c '%n %a' nf nd; umask
    ls -ln f1 nums | cut -c1-10,15-30`],
  ["special files: mkfifo sync fsync dos2unix sed -i", `
    mkfifo ff; stat -c '%F %a' ff; (echo through ff > ff &); cat ff
    sync; echo sync $?; printf 'a\\r\\nb\\r\\n' > w; dos2unix w; od -c w; sed -i 's/a/A/g' f1; cat f1; stat -c %a f1`],
  ["timers: sleep timeout usleep", `
    sleep 0.05; echo sleep $?; timeout 1 sleep 0.01; echo fast $?; timeout 1 sleep 3; echo slow $?
    timeout -s INT 1 sleep 3; echo int $?; sleep 5 & sleep 0.05; kill $!; wait $! 2>/dev/null; echo killed $?; usleep 2000; echo usleep $?`],
  ["find xargs du", `
    mkdir -p x/y; touch x/y/z; find . | sort; find . -type f | sort; find . -type d -name y; find . -name 'n*' -size -1k
    seq 1 10 | xargs -n 3 echo; printf 'a\\0b\\0' | xargs -0 echo; find . -type f | sort | xargs cat | wc -l
    du -a -b f1 nums x/y/z | sort`],
  ["archives: tar gzip bzip2 xz cpio", `
    tar cf t.tar f1 nums; tar tf t.tar; mkdir o; tar xf t.tar -C o; cmp f1 o/f1 && echo same
    touch -d '2020-01-02 03:04:05' f1; tar cf t2.tar f1; tar tvf t2.tar
    gzip -c f1 > f1.gz; gunzip -c f1.gz; zcat f1.gz; gzip nums; ls; gunzip nums.gz; wc -l nums; gzip -c f1 | md5sum
    bzip2 -c nums > n.bz2; bunzip2 -c n.bz2 | md5sum; bzcat n.bz2 | tail -1
    xzcat n.xz 2>&1; echo xz $?
    ls f1 nums | cpio -o -H newc > a.cpio 2>err; cat err; mkdir c; cd c; cpio -i < ../a.cpio 2>&1; cat f1`],
  ["bytes: od hexdump xxd dd cmp diff patch", `
    od -c f1; od -An -tx1 nums; od -d f1; hexdump -C f1; xxd f1; xxd -p nums; xxd f1 | xxd -r
    dd if=nums of=o bs=3 count=4 2>&1; cat o; dd if=/dev/zero bs=1k count=3 2>/dev/null | wc -c; dd if=nums skip=2 bs=4 2>/dev/null | head -2
    cp f1 g; cmp f1 g; echo cmp $?; echo x >> g; cmp f1 g; echo cmp $?
    seq 1 5 > a; seq 2 6 > b; diff a b; echo diff $?; diff -u a b > p; patch a < p; cat a; echo patch $?`],
  ["text: cut paste uniq sort nl fold expand tee tac rev", `
    cut -d' ' -f2 f1; cut -c1 f1; echo a:b:c | cut -d: -f2-; paste f1 f1; paste -s -d, nums; paste - - < nums
    sort f1 | uniq -c; sort f1 | uniq -d; uniq -u f1; sort -r f1; sort -k2n f1; sort -u f1; sort -t' ' -k2,2nr f1; seq 10 -1 1 | sort -n | head -3
    nl f1; nl -ba -w3 nums | head -3
    echo abcdefghijklmnopqrstuvwxyz | fold -w 5; echo 'a b c d e f' | fold -s -w 4
    printf 'a\\tb\\tc\\n' | expand; printf 'a\\tb\\n' | expand -t 3; printf 'a       b\\n' | unexpand -a
    echo hi | tee t1 t2; cat t1 t2; echo again | tee -a t1 >/dev/null; cat t1
    tac f1; rev f1`],
  ["values: printf expr test seq basename env id uname sums date", `
    printf '%d %5.2f %s %x %o %c|%-5s|\\n' 42 3.14159 str 255 8 A ab; printf '%e %g\\n' 12345.678 0.0001
    expr 3 + 4; expr 10 / 3; expr length hello; expr substr hello 2 3; expr abc : 'a\\(.\\)'; expr 1 = 2; echo expr $?
    test 1 -lt 2 && echo y; [ -f f1 ] && echo f; [ -d . ] && echo d; test -e nope; echo test $?
    seq 5; seq 2 3 11; seq -s, 1 5; seq -w 8 11; seq 1 0.5 3
    basename /a/b/c.txt .txt; dirname /a/b/c.txt; basename /; dirname a
    env | sort; env -i A=1 env
    id; id -u; id -g; id -un; whoami; groups; uname -s -m; hostname > /dev/null; echo hostname $?
    md5sum f1; sha1sum f1; sha256sum f1; base64 f1 | base64 -d; factor 360 97 1000001; cal 2 2024
    date -u -d @0 '+%Y-%m-%d %H:%M:%S'; date -u -d '2020-02-29 12:00' +%j; ulimit -s; ulimit -c`],
  ["sh: here-documents, functions, traps, read loops, getopts, arithmetic", `
    cat <<END
line $((1+2))
  two
END
    cat <<'E'
$HOME x
E
    f() { echo in f $1 $#; return 3; }; f a b; echo $?; g() { local v=2; echo $v; }; g
    trap 'echo exiting' EXIT; trap 'echo usr1' USR1; kill -USR1 $$; echo after; (trap 'echo sub' EXIT; true); false || echo f
    while read a b; do echo "[$b:$a]"; done < f1; seq 3 | while read n; do echo n=$n; done
    IFS=: read x y <<E
1:2
E
    echo $x $y; set -- -a -b val c; while getopts ab: o; do echo $o $OPTARG; done; shift $((OPTIND-1)); echo rest $*
    echo $((7*6)) $((17%5)) $((1<<10)) $((-3/2)) $((0x10)) $(( 3 > 2 ? 9 : 8 )); i=0; while [ $i -lt 5 ]; do i=$((i+1)); done; echo $i
    v=hello.world; echo \${v%.*} \${v#*.} \${#v} \${v/o/0} $(echo nested $(echo deep)) \`echo bt\`
    for x in a1 b2 zz; do case $x in a*) echo A;; b?) echo B;; *) echo other;; esac; done
    sleep 0 & wait $!; echo $?; (exit 7); echo $?; sh -c 'exit 4'; echo $?
    exec 3>o; echo three >&3; exec 3>&-; cat o; { echo a; echo b >&2; } 2>&1 | cat
    seq 1 1000 | sort -rn | head -2; echo abc | tr a-c x-z | rev; yes x | head -3; kill -0 $$; echo kill $?`],
];

function run(cmd: string, args: string[], path: string): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(cmd, args, { env: { FOO: "1", PATH: path, LC_ALL: "C" }, encoding: "utf8", timeout: 300_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe.runIf(needs(TOOLS.busybox, TOOLS.dist))("busybox applets on files under faultline match their native runs", () => {
  // Under the host's /tmp, which the guest's /tmp shows: the links to busybox, by absolute path.
  const bin = mkdtempSync(join(tmpdir(), "faultline-applets-"));
  beforeAll(() => {
    const list = spawnSync(BUSYBOX, ["--list"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
    for (const applet of list) symlinkSync(BUSYBOX, join(bin, applet));
  });

  it.each(SCRIPTS.map(([name, script], i) => [name, script, i] as const))("%s", (_name, script, i) => {
    // A directory the native run makes and removes: the guest's tmpfs then has no host entry there.
    const dir = `/tmp/faultline-applets-${process.pid}-${i}`;
    const whole = `rm -rf ${dir}; mkdir ${dir}; cd ${dir}; printf 'b 2\\na 1\\nc 3\\na 1\\n' > f1; seq 1 20 > nums\n${script}\ncd /; rm -rf ${dir}`;
    const native = run(BUSYBOX, ["sh", "-c", whole], bin);
    rmSync(dir, { recursive: true, force: true });
    expect(native.stderr).not.toMatch(/not found|applet/);
    expect(run(process.execPath, [CLI, "run", BUSYBOX, "sh", "-c", whole], bin)).toEqual(native);
  }, 600_000);
});
