/* Passing a file between processes over an AF_UNIX datagram socket
 * (SCM_RIGHTS), as a compositor hands a dma-buf to a client. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "native.h"

static int send_fd(int sock, int fd)
{
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	memset(&control, 0, sizeof(control));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	while (sendmsg(sock, &msg, 0) < 0)
		if (errno != EINTR)
			return errno;
	return 0;
}

static int recv_fd(int sock, int64_t *fd_out)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
	int fd;

	while (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0)
		if (errno != EINTR)
			return errno;
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
		return EINVAL; /* unix_send_fd always sends a file: a bare datagram came from elsewhere */
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	*fd_out = fd;
	return 0;
}

int nat_execute_unix_op(const struct nat_op *op, struct nat_result *res)
{
	int pair[2];

	switch (op->code) {
	case NAT_UNIX_SOCKETPAIR:
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair))
			return errno;
		res->value[0] = pair[0];
		res->value[1] = pair[1];
		return 0;
	case NAT_UNIX_SEND_FD:
		return send_fd(nat_fd_arg(op->arg[0]), nat_fd_arg(op->arg[1]));
	case NAT_UNIX_RECV_FD:
		return recv_fd(nat_fd_arg(op->arg[0]), &res->value[0]);
	default:
		return ENOSYS;
	}
}
