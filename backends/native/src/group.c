/* Groups of executors that run scenario threads' ops concurrently. JS submits
 * a member's next op as soon as its body reaches it and collects the
 * completions of any member of any group as they come, so each member goes
 * on at its own pace, as IGT's pthreads and forked children do (a member
 * blocked in a wait never holds up the op that would end it):
 * - threads: one pthread of this process per member runs its ops, so they
 *   race on the same files;
 * - fork: one child forked from this process per member, a small op server on
 *   a socketpair (it shares the open files as fork(2) children do), and one
 *   pthread here that hands it the ops and reads the replies.
 * The pthreads are workers kept in a pool: a group binds one per member and
 * its end returns them, so a scenario that starts thousands of groups does
 * not create thousands of threads. One lock guards the pool, every group's
 * state and the completion queue. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "native.h"

enum member_state {
	MEMBER_IDLE,
	MEMBER_RUNNING, /* submitted, not finished */
	MEMBER_DONE, /* finished, queued until collected */
};

/* A pooled thread: idle in the pool, or serving one member until its group ends. */
struct worker {
	pthread_cond_t wake;
	struct member *member;
	struct worker *next_idle;
};

struct member {
	struct nat_group *group;
	int index;
	struct worker *worker;
	pid_t pid; /* fork: the child, and the parent's end of its socket */
	int sock;
	enum member_state state;
	int abandoned; /* its group ended while its op ran: nobody waits for it */
	int released; /* its worker has let it go (and reaped its child) */
	struct nat_op op;
	struct nat_result result;
	struct member *next_done;
};

struct nat_group {
	int forked;
	int count; /* members bound to a worker */
	int ending;
	int refs; /* the owner's, and one per bound worker */
	pthread_cond_t released;
	struct nat_group *next_forked;
	struct member member[];
};

/* What a child sends back for each op (bytes follow for NAT_MEM_READ). */
struct reply {
	int32_t err;
	int64_t value[NAT_VALUES];
	uint64_t nbytes;
	int32_t has_bytes;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t completed = PTHREAD_COND_INITIALIZER;
static struct member *done_head, *done_tail;
/* Ops submitted and not yet collected, in every live group. */
static int in_flight;
/* Live forked groups: a new child closes the parent's ends of every socket,
 * so each child sees EOF as soon as its own worker closes its end. */
static struct nat_group *forked_groups;
static struct worker *idle_workers;

static struct nat_group *group_alloc(int members, int forked)
{
	struct nat_group *g = calloc(1, sizeof(*g) + (size_t)members * sizeof(struct member));

	if (!g)
		return NULL;
	g->forked = forked;
	g->refs = 1;
	pthread_cond_init(&g->released, NULL);
	for (int i = 0; i < members; i++) {
		g->member[i].group = g;
		g->member[i].index = i;
		g->member[i].sock = -1;
	}
	return g;
}

/* Drops a reference; the last one frees the group. Called with the lock held. */
static void group_put_locked(struct nat_group *g)
{
	if (--g->refs)
		return;
	for (struct nat_group **p = &forked_groups; *p; p = &(*p)->next_forked)
		if (*p == g) {
			*p = g->next_forked;
			break;
		}
	pthread_cond_destroy(&g->released);
	free(g);
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

/* Runs one op in member m's child. A child that died mid-op (killed,
 * crashed) is EIO for that op. */
static void forward_op(struct member *m, struct nat_result *res)
{
	struct reply reply;

	if (write_all(m->sock, &m->op, sizeof(m->op)) || read_all(m->sock, &reply, sizeof(reply))) {
		res->err = EIO;
		return;
	}
	res->err = reply.err;
	memcpy(res->value, reply.value, sizeof(reply.value));
	if (reply.nbytes) {
		res->bytes = malloc(reply.nbytes);
		if (!res->bytes || read_all(m->sock, res->bytes, reply.nbytes)) {
			free(res->bytes);
			res->bytes = NULL;
			res->err = res->err ?: EIO;
			return;
		}
		res->nbytes = reply.nbytes;
	} else if (reply.has_bytes) {
		res->bytes = malloc(1);
	}
}

/* Runs each op submitted to the worker's member and queues the result, until
 * the member's group ends; then lets the member go. Called and returns with
 * the lock held. */
static void serve_member(struct worker *w)
{
	struct member *m = w->member;
	struct nat_group *g = m->group;
	struct nat_result res;

	for (;;) {
		while (m->state != MEMBER_RUNNING && !g->ending)
			pthread_cond_wait(&w->wake, &lock);
		if (m->state != MEMBER_RUNNING)
			break;
		pthread_mutex_unlock(&lock);
		memset(&res, 0, sizeof(res));
		if (g->forked)
			forward_op(m, &res);
		else
			nat_execute(&m->op, &res);
		pthread_mutex_lock(&lock);
		if (g->ending) {
			/* abandoned: nobody collects it */
			free(res.bytes);
			m->state = MEMBER_IDLE;
			break;
		}
		m->result = res;
		m->state = MEMBER_DONE;
		m->next_done = NULL;
		if (done_tail)
			done_tail->next_done = m;
		else
			done_head = m;
		done_tail = m;
		pthread_cond_signal(&completed);
	}
	/* Closed under the lock, so no child forked meanwhile keeps a copy:
	 * this member's child sees EOF and exits. */
	int forked = m->sock >= 0;
	if (forked)
		close(m->sock);
	m->sock = -1;
	if (forked) {
		pthread_mutex_unlock(&lock);
		while (waitpid(m->pid, NULL, 0) < 0 && errno == EINTR)
			;
		pthread_mutex_lock(&lock);
	}
	m->released = 1;
	pthread_cond_broadcast(&g->released);
	group_put_locked(g);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	pthread_mutex_lock(&lock);
	for (;;) {
		while (!w->member)
			pthread_cond_wait(&w->wake, &lock);
		serve_member(w);
		w->member = NULL;
		w->next_idle = idle_workers;
		idle_workers = w;
	}
	return NULL;
}

/* Binds an idle worker, or a new one, to member m. */
static int bind_worker(struct member *m)
{
	pthread_mutex_lock(&lock);
	struct worker *w = idle_workers;
	if (w)
		idle_workers = w->next_idle;
	pthread_mutex_unlock(&lock);
	if (!w) {
		pthread_t thread;
		pthread_attr_t attr;
		w = calloc(1, sizeof(*w));
		if (!w)
			return ENOMEM;
		pthread_cond_init(&w->wake, NULL);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		int err = pthread_create(&thread, &attr, worker_main, w);
		pthread_attr_destroy(&attr);
		if (err) {
			pthread_cond_destroy(&w->wake);
			free(w);
			return err;
		}
	}
	pthread_mutex_lock(&lock);
	m->group->refs++;
	m->worker = w;
	w->member = m;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&lock);
	return 0;
}

struct nat_group *nat_group_threads(int members, int *err)
{
	struct nat_group *g = group_alloc(members, 0);

	if (!g) {
		*err = ENOMEM;
		return NULL;
	}
	for (int i = 0; i < members; i++) {
		*err = bind_worker(&g->member[i]);
		if (*err) {
			nat_group_end(g);
			return NULL;
		}
		g->count++;
	}
	return g;
}

/* Forks member m's child, with the lock held so that the list of sockets
 * it closes is whole. */
static int fork_child(struct member *m)
{
	int pair[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair))
		return errno;
	pthread_mutex_lock(&lock);
	pid_t pid = fork();
	if (pid == 0) {
		/* Never take the lock here: another thread may have held it at fork. */
		for (struct nat_group *g = forked_groups; g; g = g->next_forked)
			for (int i = 0; i < g->count; i++)
				if (g->member[i].sock >= 0)
					close(g->member[i].sock);
		close(pair[0]);
		serve_ops(pair[1]);
	}
	int err = pid < 0 ? errno : 0;
	if (!err) {
		m->pid = pid;
		m->sock = pair[0];
	}
	pthread_mutex_unlock(&lock);
	close(pair[1]);
	if (err)
		close(pair[0]);
	return err;
}

struct nat_group *nat_group_fork(int members, int *err)
{
	struct nat_group *g = group_alloc(members, 1);

	if (!g) {
		*err = ENOMEM;
		return NULL;
	}
	pthread_mutex_lock(&lock);
	g->next_forked = forked_groups;
	forked_groups = g;
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < members; i++) {
		struct member *m = &g->member[i];
		/* count covers the member while its child starts, so that the next
		 * child closes this one's socket too. */
		g->count++;
		*err = fork_child(m);
		if (!*err) {
			*err = bind_worker(m);
			if (*err) {
				pthread_mutex_lock(&lock);
				close(m->sock);
				m->sock = -1;
				pthread_mutex_unlock(&lock);
				while (waitpid(m->pid, NULL, 0) < 0 && errno == EINTR)
					;
			}
		}
		if (*err) {
			g->count--;
			nat_group_end(g);
			return NULL;
		}
	}
	return g;
}

int nat_group_submit(struct nat_group *g, int member, const struct nat_op *op)
{
	int err = 0;

	if (member < 0 || member >= g->count)
		return EINVAL;
	struct member *m = &g->member[member];
	pthread_mutex_lock(&lock);
	if (m->state != MEMBER_IDLE || g->ending) {
		err = EBUSY;
	} else {
		m->op = *op;
		m->state = MEMBER_RUNNING;
		in_flight++;
		pthread_cond_signal(&m->worker->wake);
	}
	pthread_mutex_unlock(&lock);
	return err;
}

int nat_group_collect(struct nat_completion *out, int max)
{
	int n = 0;

	pthread_mutex_lock(&lock);
	while (!done_head && in_flight > 0)
		pthread_cond_wait(&completed, &lock);
	while (done_head && n < max) {
		struct member *m = done_head;
		done_head = m->next_done;
		if (!done_head)
			done_tail = NULL;
		out[n].group = m->group;
		out[n].member = m->index;
		out[n].result = m->result;
		m->result.bytes = NULL;
		m->state = MEMBER_IDLE;
		in_flight--;
		n++;
	}
	pthread_mutex_unlock(&lock);
	return n;
}

static void unqueue_locked(struct member *m)
{
	struct member *prev = NULL;

	for (struct member **p = &done_head; *p; prev = *p, p = &(*p)->next_done)
		if (*p == m) {
			*p = m->next_done;
			if (done_tail == m)
				done_tail = prev;
			return;
		}
}

void nat_group_end(struct nat_group *g)
{
	pthread_mutex_lock(&lock);
	g->ending = 1;
	for (int i = 0; i < g->count; i++) {
		struct member *m = &g->member[i];
		if (m->state == MEMBER_DONE) {
			unqueue_locked(m);
			free(m->result.bytes);
			m->result.bytes = NULL;
			m->state = MEMBER_IDLE;
			in_flight--;
		} else if (m->state == MEMBER_RUNNING) {
			m->abandoned = 1;
			in_flight--;
		}
		pthread_cond_signal(&m->worker->wake);
	}
	/* Idle members are let go now (a child once it has seen EOF and been
	 * reaped); one still in the kernel is let go when its op returns. */
	for (int i = 0; i < g->count; i++)
		while (!g->member[i].abandoned && !g->member[i].released)
			pthread_cond_wait(&g->released, &lock);
	group_put_locked(g);
	pthread_mutex_unlock(&lock);
}
