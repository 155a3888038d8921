// AF_UNIX datagram socket pairs (net/unix/af_unix.c) carrying SCM_RIGHTS: a
// sent fd travels as a file reference in the peer's receive queue and becomes
// a new fd of whichever process receives it.
import type { Value } from '../backend.ts';
import { ERR, IS_ERR, type KResult } from './errors.ts';
import { File, fput, get_file, type FileOperations } from './file.ts';
import { current, wait_event, type KGen } from './sched.ts';

class UnixSock {
  peer: UnixSock | null = null;
  /** sk_receive_queue: each datagram's passed files (unix_attach_fds). */
  readonly queue: File[][] = [];
}

/** unix_release_sock: the peer is disconnected and undelivered files are put. */
function* unix_release(file: File): KGen<void> {
  const sock = file.private_data as UnixSock;
  if (sock.peer) sock.peer.peer = null;
  for (const files of sock.queue.splice(0)) files.forEach(fput);
}

const unix_dgram_ops: FileOperations = { name: 'socket', release: unix_release };

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
  const fd0 = files.install(new File(unix_dgram_ops, a, { read: true, write: true }, 0o2), false);
  const fd1 = files.install(new File(unix_dgram_ops, b, { read: true, write: true }, 0o2), false);
  return { fd0, fd1 };
}

/** sendmsg with SCM_RIGHTS of one fd: unix_dgram_sendmsg queues it on the peer. */
export function* sys_send_fd(args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  const sock = sockOf(args.socket as number);
  if (IS_ERR(sock)) return sock;
  const file = current().process.files.fdget(args.fd as number);
  if (IS_ERR(file)) return file;
  if (!sock.peer) return ERR('ENOTCONN', 'the peer socket is closed');
  sock.peer.queue.push([get_file(file)]);
  return null;
}

/** recvmsg: unix_dgram_recvmsg waits for a datagram; scm_detach_fds installs its file. */
export function* sys_recv_fd(args: Readonly<Record<string, unknown>>): KGen<KResult<Value>> {
  const sock = sockOf(args.socket as number);
  if (IS_ERR(sock)) return sock;
  yield* wait_event({ what: 'unix_dgram_recvmsg', ready: () => sock.queue.length > 0 });
  const [file] = sock.queue.shift() as File[];
  return current().process.files.install(file, false);
}
