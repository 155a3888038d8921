// AF_UNIX datagram socket pairs (net/unix/af_unix.c) carrying SCM_RIGHTS: a
// sent fd travels as a file reference in the peer's receive queue and becomes
// a new fd of whichever process receives it.
import type { Value } from '../backend.ts';
import { ERR, IS_ERR, type KResult } from './errors.ts';
import { EPOLLIN, EPOLLOUT, File, fput, get_file, O_RDWR, type FileOperations } from './file.ts';
import { current, wait_event, type KGen } from './sched.ts';

class UnixSock {
  peer: UnixSock | null = null;
  /** SOCK_DEAD: released; a datagram peer still points here until its next send. */
  dead = false;
  /** sk_receive_queue: each datagram's passed files (unix_attach_fds). */
  readonly queue: File[][] = [];
}

/**
 * unix_release_sock: undelivered files are put. Only stream peers are shut
 * down; a datagram peer keeps pointing at the dead socket.
 */
function* unix_release(file: File): KGen<void> {
  const sock = file.private_data as UnixSock;
  sock.dead = true;
  sock.peer = null;
  for (const files of sock.queue.splice(0)) files.forEach(fput);
}

/** unix_dgram_poll: readable with a datagram queued; writable while the send buffer has room (always here). */
function unix_dgram_poll(file: File, events: number): number {
  const sock = file.private_data as UnixSock;
  return (sock.queue.length > 0 ? events & EPOLLIN : 0) | (events & EPOLLOUT);
}

const unix_dgram_ops: FileOperations = { name: 'socket', release: unix_release, poll: unix_dgram_poll };

function sockOf(fd: number): KResult<UnixSock> {
  const file = current().process.files.fdget(fd);
  if (IS_ERR(file)) return file;
  if (file.f_op !== unix_dgram_ops) return ERR('ENOTSOCK', `fd ${fd} is not a socket`);
  return file.private_data as UnixSock;
}

/** socketpair(AF_UNIX, SOCK_DGRAM, 0): unix_socketpair connects two new sockets. */
export function* sys_socketpair(): KGen<KResult<Value>> {
  const a = new UnixSock();
  const b = new UnixSock();
  a.peer = b;
  b.peer = a;
  const files = current().process.files;
  // SOCK_CLOEXEC, as every fd an op creates (backends/ops.ts)
  const fd0 = files.install(new File(unix_dgram_ops, a, { read: true, write: true }, O_RDWR), true);
  const fd1 = files.install(new File(unix_dgram_ops, b, { read: true, write: true }, O_RDWR), true);
  return { fd0, fd1 };
}

/** sendmsg with SCM_RIGHTS of one fd: unix_dgram_sendmsg queues it on the peer. */
export function* sys_send_fd(args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  const sock = sockOf(args.socket as number);
  if (IS_ERR(sock)) return sock;
  const file = current().process.files.fdget(args.fd as number);
  if (IS_ERR(file)) return file;
  if (!sock.peer) return ERR('ENOTCONN', 'the socket has no peer');
  // unix_dgram_sendmsg: a dead peer is dropped, and this send refused.
  if (sock.peer.dead) {
    sock.peer = null;
    return ERR('ECONNREFUSED', 'the peer socket is closed');
  }
  sock.peer.queue.push([get_file(file)]);
  return null;
}

/** recvmsg(MSG_CMSG_CLOEXEC): unix_dgram_recvmsg waits for a datagram; scm_detach_fds installs its file. */
export function* sys_recv_fd(args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  const sock = sockOf(args.socket as number);
  if (IS_ERR(sock)) return sock;
  yield* wait_event({ what: 'unix_dgram_recvmsg', ready: () => sock.queue.length > 0 });
  const [file] = sock.queue.shift() as File[];
  return current().process.files.install(file, true);
}
