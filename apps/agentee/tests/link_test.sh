#!/bin/sh
# caec run --listen: TCP connections relayed to the gateway realm through
# the link and back (a test realm echoing in upper case), one after
# another, a large transfer intact, a realm that ends a connection, a
# client that vanishes; only the gateway gets a link; SIGINT ends the run
# cleanly with the leak check; a bad address is a usage error.
# usage: link_test.sh CAEC IMAGES_DIR WORKDIR
set -eu
caec=$1
images=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
test_name=link_test
. "$(dirname "$0")/../../../scripts/cli_test_lib.sh"

cat >"$work/link.json" <<EOT
{
  "version": 1,
  "realms": {
    "net": {"image": "$images/link_echo_realm.so", "memory": "4M", "policy_required": true, "gateway": true}
  },
  "channels": {},
  "host_calls": "allow",
  "strict": true
}
EOT
sed 's/"gateway": true/"gateway": false/' "$work/link.json" >"$work/nogw.json"

run 2 run "$work/link.json" --listen 127.0.0.1
one_line "--listen: '127.0.0.1' is not ADDR:PORT"
run 2 run "$work/link.json" --listen nohost:80
# Without --listen the gateway has no link and ends.
run 0 run "$work/link.json"
err_has "echo: no link, nothing to serve"

"$caec" run "$work/link.json" --listen 127.0.0.1:0 >"$work/srv.out" 2>"$work/srv.err" &
pid=$!
port=""
for _ in $(seq 1 100); do
	port=$(sed -n 's/^caec run: listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/srv.out")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { kill $pid; fail "no listening line: $(cat "$work/srv.out" "$work/srv.err")"; }

python3 - "$port" <<'PY' || { kill $pid; fail "the relay misbehaved: $(cat "$work/srv.err")"; }
import os, socket, sys
port = int(sys.argv[1])
def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    return s
def recv_n(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            break
        b += c
    return b
# 1. a small exchange, then the client closes: the realm sees EOF.
s = conn(); s.sendall(b"hello link"); assert recv_n(s, 10) == b"HELLO LINK"; s.shutdown(socket.SHUT_WR)
assert s.recv(10) == b""; s.close()
# 2. 1 MiB both ways (rings of 64 KiB: flow control), intact.
data = bytes((i * 7) % 26 + 97 for i in range(1 << 20))
s = conn()
import threading
out = []
t = threading.Thread(target=lambda: out.append(recv_n(s, len(data)))); t.start()
s.sendall(data); t.join(); assert out[0] == data.upper(), "1 MiB came back changed"
s.close()
# 3. the realm ends the connection.
s = conn(); s.sendall(b"bye\n"); assert recv_n(s, 4) == b"BYE\n"; assert s.recv(4) == b""; s.close()
# 4. a client that vanishes mid-way, then the next one is served.
s = conn(); s.sendall(b"x" * 1000); s.close()
s = conn(); s.sendall(b"again"); assert recv_n(s, 5) == b"AGAIN"; s.close()
PY
kill -INT $pid
rc=0
wait $pid || rc=$?
[ $rc -eq 0 ] || fail "SIGINT: exit $rc, want 0: $(cat "$work/srv.err")"
grep -q "caec run: stopped by SIGINT: 1 realm torn down, no granule left behind" "$work/srv.out" ||
	fail "no clean stop: $(cat "$work/srv.out")"
grep -q "echo: connection 5 ended" "$work/srv.err" || fail "not 5 connections: $(cat "$work/srv.err")"
grep -q "echo: connection 2 ended after 1048576 bytes" "$work/srv.err" || fail "the 1 MiB connection: $(cat "$work/srv.err")"

# A realm that is not the gateway gets no link.
run 0 run "$work/nogw.json" --listen 127.0.0.1:0 &
pid=$!
sleep 3
kill -INT $pid 2>/dev/null || true
wait $pid || true
err_has "echo: no link, nothing to serve"
echo "$test_name: ok"
