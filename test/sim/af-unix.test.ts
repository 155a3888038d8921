// AF_UNIX datagram pairs on the simulator (net/unix/af_unix.c): an fd sent
// with SCM_RIGHTS arrives as a new fd of the receiver, on the same file.
import t from 'tap';
import { errno, num, rec, run } from './helpers.ts';

t.test('a passed sw_sync timeline advances through the received fd', (t) => {
  run(function* (th) {
    const { fd0, fd1 } = rec(yield* th.call('unix_socketpair', {})) as { fd0: number; fd1: number };
    const timeline = num(yield* th.call('sw_sync_timeline_create', {}));
    const fence = num(yield* th.call('sw_sync_fence_create', { timeline, value: 1 }));
    t.equal(errno(yield* th.call('unix_send_fd', { socket: fd0, fd: timeline })), 'ok');
    yield* th.call('close', { fd: timeline });
    const received = num(yield* th.call('unix_recv_fd', { socket: fd1 }));
    t.equal(errno(yield* th.call('sync_file_wait', { fd: fence, timeout_ms: 0 })), 'ETIME');
    yield* th.call('sw_sync_timeline_inc', { timeline: received });
    t.equal(errno(yield* th.call('sync_file_wait', { fd: fence, timeout_ms: 0 })), 'ok', 'the same timeline');
  });
  t.end();
});

t.test('errors: not a socket, closed peer; an unread fd is put with the socket', (t) => {
  run(function* (th) {
    const { fd0, fd1 } = rec(yield* th.call('unix_socketpair', {})) as { fd0: number; fd1: number };
    const timeline = num(yield* th.call('sw_sync_timeline_create', {}));
    t.equal(errno(yield* th.call('unix_send_fd', { socket: timeline, fd: timeline })), 'ENOTSOCK');
    t.equal(errno(yield* th.call('unix_recv_fd', { socket: 99 })), 'EBADF');
    const fence = num(yield* th.call('sw_sync_fence_create', { timeline, value: 1 }));
    yield* th.call('unix_send_fd', { socket: fd0, fd: timeline });
    yield* th.call('close', { fd: timeline });
    // The queued reference keeps the timeline open: its fence is still pending.
    t.equal(errno(yield* th.call('sync_file_wait', { fd: fence, timeout_ms: 0 })), 'ETIME');
    yield* th.call('close', { fd: fd1 });
    // Closing the receiver drops the last reference: the timeline's release signals it.
    t.same(rec(yield* th.call('sync_file_info', { fd: fence })).status, -2);
    t.equal(errno(yield* th.call('unix_send_fd', { socket: fd0, fd: fence })), 'ECONNREFUSED', 'the first send finds the peer dead');
    t.equal(errno(yield* th.call('unix_send_fd', { socket: fd0, fd: fence })), 'ENOTCONN', 'then there is no peer');
  });
  t.end();
});

t.test('recv waits for a datagram: with none ever sent the machine hangs', (t) => {
  const { outcome } = run(function* (th) {
    const { fd1 } = rec(yield* th.call('unix_socketpair', {})) as { fd0: number; fd1: number };
    yield* th.call('unix_recv_fd', { socket: fd1 });
  });
  t.equal(outcome.kind, 'hung');
  if (outcome.kind === 'hung') t.match(outcome.report, /unix_dgram_recvmsg/);
  t.end();
});
