/* The table of live mappings behind the opaque ids JS holds. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "native.h"

struct mapping {
	int64_t id;
	uint8_t *addr;
	size_t length;
	int prot;
	struct mapping *next;
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mapping *table;
static int64_t next_id = 1;

int64_t nat_map_add(void *addr, size_t length, int prot)
{
	struct mapping *m = malloc(sizeof(*m));

	if (!m)
		return -ENOMEM;
	pthread_mutex_lock(&table_lock);
	m->id = next_id++;
	m->addr = addr;
	m->length = length;
	m->prot = prot;
	m->next = table;
	table = m;
	pthread_mutex_unlock(&table_lock);
	return m->id;
}

static struct mapping **find(int64_t id)
{
	struct mapping **at = &table;

	while (*at && (*at)->id != id)
		at = &(*at)->next;
	return at;
}

/* Unmaps under the table lock, so no reader is inside the range meanwhile. */
int nat_map_remove(int64_t id)
{
	struct mapping **at, *m;
	int err = 0;

	pthread_mutex_lock(&table_lock);
	at = find(id);
	m = *at;
	if (!m) {
		err = EINVAL;
	} else {
		*at = m->next;
		if (munmap(m->addr, m->length))
			err = errno;
		free(m);
	}
	pthread_mutex_unlock(&table_lock);
	return err;
}

static int faults(const struct mapping *m, int write)
{
	return write ? !(m->prot & PROT_WRITE) : !(m->prot & (PROT_READ | PROT_WRITE));
}

uint8_t *nat_map_lock_range(int64_t id, int64_t offset, int64_t *length, int write, int *err)
{
	struct mapping *m;

	pthread_mutex_lock(&table_lock);
	m = *find(id);
	if (!m || faults(m, write) || offset < 0 || (uint64_t)offset > m->length ||
	    (*length != NAT_REST && (*length < 0 || (uint64_t)*length > m->length - (uint64_t)offset))) {
		pthread_mutex_unlock(&table_lock);
		*err = EFAULT;
		return NULL;
	}
	if (*length == NAT_REST)
		*length = (int64_t)(m->length - (uint64_t)offset);
	return m->addr + offset;
}

void nat_map_unlock(void)
{
	pthread_mutex_unlock(&table_lock);
}

void nat_map_after_fork(void)
{
	pthread_mutex_init(&table_lock, NULL);
}
