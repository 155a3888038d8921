/* Groups of executors that run scenario threads' ops concurrently, one op per
 * member per round (JS drives each member's coroutine to its next op, then the
 * round runs them all at once):
 * - threads: pthreads of this process, so ops race on the same files;
 * - fork: children forked from this process, each a small op server on a
 *   socketpair, so they share the open files as fork(2) children do. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "native.h"

struct member {
	struct nat_group *group;
	pthread_t thread;
	pid_t pid;
	int sock; /* parent's end */
	const struct nat_op *op;
	struct nat_result *result;
};

struct nat_group {
	int forked;
	int count;
	pthread_mutex_t lock;
	pthread_cond_t start, done;
	unsigned long round;
	int busy;
	int ending;
	struct member member[];
};

/* What a child sends back for each op (bytes follow for NAT_MEM_READ). */
struct reply {
	int32_t err;
	int64_t value[NAT_VALUES];
	uint64_t nbytes;
	int32_t has_bytes;
};

static struct nat_group *group_alloc(int members, int forked)
{
	struct nat_group *g = calloc(1, sizeof(*g) + (size_t)members * sizeof(struct member));

	if (!g)
		return NULL;
	g->forked = forked;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->start, NULL);
	pthread_cond_init(&g->done, NULL);
	return g;
}

static void *member_thread(void *arg)
{
	struct member *m = arg;
	struct nat_group *g = m->group;
	unsigned long seen = 0;

	pthread_mutex_lock(&g->lock);
	for (;;) {
		while (g->round == seen && !g->ending)
			pthread_cond_wait(&g->start, &g->lock);
		if (g->ending)
			break;
		seen = g->round;
		const struct nat_op *op = m->op;
		pthread_mutex_unlock(&g->lock);
		if (op)
			nat_execute(op, m->result);
		pthread_mutex_lock(&g->lock);
		if (--g->busy == 0)
			pthread_cond_signal(&g->done);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

struct nat_group *nat_group_threads(int members, int *err)
{
	struct nat_group *g = group_alloc(members, 0);

	if (!g) {
		*err = ENOMEM;
		return NULL;
	}
	for (int i = 0; i < members; i++) {
		g->member[i].group = g;
		*err = pthread_create(&g->member[i].thread, NULL, member_thread, &g->member[i]);
		if (*err) {
			nat_group_end(g);
			return NULL;
		}
		g->count++;
	}
	return g;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The forked child's whole life: serve ops until the parent closes the socket. */
static _Noreturn void serve_ops(int sock)
{
	struct nat_op op;
	struct nat_result res;
	struct reply reply;

	nat_map_after_fork();
	/* glibc's fork makes malloc safe in the child, so ops may allocate their bytes. */
	while (read_all(sock, &op, sizeof(op)) == 0) {
		memset(&reply, 0, sizeof(reply));
		nat_execute(&op, &res);
		reply.err = res.err;
		memcpy(reply.value, res.value, sizeof(reply.value));
		reply.nbytes = res.bytes ? res.nbytes : 0;
		reply.has_bytes = res.bytes != NULL;
		int broken = write_all(sock, &reply, sizeof(reply)) || (res.nbytes && write_all(sock, res.bytes, res.nbytes));
		free(res.bytes);
		if (broken)
			break;
	}
	_exit(0);
}

struct nat_group *nat_group_fork(int members, int *err)
{
	struct nat_group *g = group_alloc(members, 1);

	if (!g) {
		*err = ENOMEM;
		return NULL;
	}
	for (int i = 0; i < members; i++) {
		int pair[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair)) {
			*err = errno;
			nat_group_end(g);
			return NULL;
		}
		pid_t pid = fork();
		if (pid == 0) {
			/* Earlier siblings must see EOF when the parent closes their sockets. */
			for (int j = 0; j < i; j++)
				close(g->member[j].sock);
			close(pair[0]);
			serve_ops(pair[1]);
		}
		close(pair[1]);
		if (pid < 0) {
			*err = errno;
			close(pair[0]);
			nat_group_end(g);
			return NULL;
		}
		g->member[i].pid = pid;
		g->member[i].sock = pair[0];
		g->count++;
	}
	return g;
}

/* A child that died mid-op (killed, crashed) is reported as EIO for that op. */
static void forked_round(struct nat_group *g, const struct nat_op *const *ops, struct nat_result *results)
{
	for (int i = 0; i < g->count; i++) {
		memset(&results[i], 0, sizeof(results[i]));
		if (ops[i] && write_all(g->member[i].sock, ops[i], sizeof(*ops[i])))
			results[i].err = EIO;
	}
	for (int i = 0; i < g->count; i++) {
		struct reply reply;
		if (!ops[i] || results[i].err)
			continue;
		if (read_all(g->member[i].sock, &reply, sizeof(reply))) {
			results[i].err = EIO;
			continue;
		}
		results[i].err = reply.err;
		memcpy(results[i].value, reply.value, sizeof(reply.value));
		if (reply.nbytes) {
			results[i].bytes = malloc(reply.nbytes);
			if (!results[i].bytes || read_all(g->member[i].sock, results[i].bytes, reply.nbytes)) {
				free(results[i].bytes);
				results[i].bytes = NULL;
				results[i].err = results[i].err ?: EIO;
				continue;
			}
			results[i].nbytes = reply.nbytes;
		} else if (reply.has_bytes) {
			results[i].bytes = malloc(1);
		}
	}
}

void nat_group_round(struct nat_group *g, const struct nat_op *const *ops, struct nat_result *results)
{
	if (g->forked) {
		forked_round(g, ops, results);
		return;
	}
	pthread_mutex_lock(&g->lock);
	for (int i = 0; i < g->count; i++) {
		g->member[i].op = ops[i];
		g->member[i].result = &results[i];
		memset(&results[i], 0, sizeof(results[i]));
	}
	g->busy = g->count;
	g->round++;
	pthread_cond_broadcast(&g->start);
	while (g->busy)
		pthread_cond_wait(&g->done, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

void nat_group_end(struct nat_group *g)
{
	if (g->forked) {
		for (int i = 0; i < g->count; i++)
			close(g->member[i].sock);
		for (int i = 0; i < g->count; i++)
			while (waitpid(g->member[i].pid, NULL, 0) < 0 && errno == EINTR)
				;
	} else {
		pthread_mutex_lock(&g->lock);
		g->ending = 1;
		pthread_cond_broadcast(&g->start);
		pthread_mutex_unlock(&g->lock);
		for (int i = 0; i < g->count; i++)
			pthread_join(g->member[i].thread, NULL);
	}
	pthread_cond_destroy(&g->start);
	pthread_cond_destroy(&g->done);
	pthread_mutex_destroy(&g->lock);
	free(g);
}
