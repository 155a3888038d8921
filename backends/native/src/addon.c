/* The Node-API surface of the native backend. JS passes ops as
 * (code, [args], str) and gets back {err, value, bytes}; groups are named by
 * small integer ids, mappings by table ids: JS never holds a pointer. */
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "native.h"

#define MAX_GROUPS 64
static struct nat_group *groups[MAX_GROUPS];
#define MAX_MEMBERS 64

/* Reads (code, [args...], str?) into op; returns 0 or EINVAL for malformed input. */
static int read_op(napi_env env, napi_value code, napi_value args, napi_value str, struct nat_op *op)
{
	uint32_t n = 0;
	bool is_array = false;
	size_t len;

	memset(op, 0, sizeof(*op));
	if (napi_get_value_int32(env, code, &op->code) != napi_ok || op->code < 0 || op->code >= NAT_CODE_COUNT)
		return EINVAL;
	if (napi_is_array(env, args, &is_array) != napi_ok || !is_array ||
	    napi_get_array_length(env, args, &n) != napi_ok || n > NAT_ARGS)
		return EINVAL;
	for (uint32_t i = 0; i < n; i++) {
		napi_value el;
		if (napi_get_element(env, args, i, &el) != napi_ok || napi_get_value_int64(env, el, &op->arg[i]) != napi_ok)
			return EINVAL;
	}
	napi_valuetype type = napi_undefined;
	if (str)
		napi_typeof(env, str, &type);
	if (type == napi_string &&
	    (napi_get_value_string_utf8(env, str, op->str, sizeof(op->str), &len) != napi_ok || len >= sizeof(op->str) - 1))
		return ENAMETOOLONG;
	return 0;
}

static napi_value make_result(napi_env env, struct nat_result *res)
{
	napi_value obj, value, el;

	napi_create_object(env, &obj);
	napi_create_int32(env, res->err, &el);
	napi_set_named_property(env, obj, "err", el);
	napi_create_array_with_length(env, NAT_VALUES, &value);
	for (uint32_t i = 0; i < NAT_VALUES; i++) {
		napi_create_int64(env, res->value[i], &el);
		napi_set_element(env, value, i, el);
	}
	napi_set_named_property(env, obj, "value", value);
	if (res->bytes) {
		void *data;
		napi_value ab, u8;
		napi_create_arraybuffer(env, res->nbytes, &data, &ab);
		memcpy(data, res->bytes, res->nbytes);
		napi_create_typedarray(env, napi_uint8_array, res->nbytes, ab, 0, &u8);
		napi_set_named_property(env, obj, "bytes", u8);
		free(res->bytes);
		res->bytes = NULL;
	}
	return obj;
}

static napi_value error_result(napi_env env, int err)
{
	struct nat_result res = { .err = err };
	return make_result(env, &res);
}

/* execute(code, args, str?) */
static napi_value js_execute(napi_env env, napi_callback_info info)
{
	size_t argc = 3;
	napi_value argv[3];
	struct nat_op op;
	struct nat_result res;

	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	int err = argc < 2 ? EINVAL : read_op(env, argv[0], argv[1], argc > 2 ? argv[2] : NULL, &op);
	if (err)
		return error_result(env, err);
	nat_execute(&op, &res);
	return make_result(env, &res);
}

static napi_value int_value(napi_env env, int64_t v)
{
	napi_value out;
	napi_create_int64(env, v, &out);
	return out;
}

/* groupOpen(forked: boolean, members) -> id >= 0, or -errno */
static napi_value js_group_open(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2];
	bool forked = false;
	int32_t members = 0, err = 0, id;

	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 2 || napi_get_value_bool(env, argv[0], &forked) != napi_ok ||
	    napi_get_value_int32(env, argv[1], &members) != napi_ok || members < 1 || members > MAX_MEMBERS)
		return int_value(env, -EINVAL);
	for (id = 0; id < MAX_GROUPS && groups[id]; id++)
		;
	if (id == MAX_GROUPS)
		return int_value(env, -EMFILE);
	groups[id] = forked ? nat_group_fork(members, &err) : nat_group_threads(members, &err);
	return int_value(env, groups[id] ? id : -err);
}

static struct nat_group *group_arg(napi_env env, napi_value v, int32_t *id)
{
	if (napi_get_value_int32(env, v, id) != napi_ok || *id < 0 || *id >= MAX_GROUPS)
		return NULL;
	return groups[*id];
}

/* groupSubmit(id, member, code, args, str?) -> 0, or the errno of a malformed op */
static napi_value js_group_submit(napi_env env, napi_callback_info info)
{
	size_t argc = 5;
	napi_value argv[5];
	int32_t id, member = -1;
	struct nat_op op;

	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	struct nat_group *g = argc < 4 ? NULL : group_arg(env, argv[0], &id);
	if (!g || napi_get_value_int32(env, argv[1], &member) != napi_ok) {
		napi_throw_error(env, NULL, "groupSubmit: bad group or member");
		return NULL;
	}
	int err = read_op(env, argv[2], argv[3], argc > 4 ? argv[4] : NULL, &op);
	if (err)
		return int_value(env, err);
	err = nat_group_submit(g, member, &op);
	if (err) {
		napi_throw_error(env, NULL, err == EBUSY ? "groupSubmit: the member's last op is not collected" : "groupSubmit: no such member");
		return NULL;
	}
	return int_value(env, 0);
}

/* groupCollect() -> [[id, member, result], ...]: blocks until some op of a
 * group finished; [] at once when none is in flight. */
static napi_value js_group_collect(napi_env env, napi_callback_info info)
{
	struct nat_completion done[MAX_MEMBERS];
	napi_value out;

	(void)info;
	int n = nat_group_collect(done, MAX_MEMBERS);
	napi_create_array_with_length(env, (size_t)n, &out);
	for (int i = 0; i < n; i++) {
		int32_t id = 0;
		while (id < MAX_GROUPS && groups[id] != done[i].group)
			id++;
		napi_value entry;
		napi_create_array_with_length(env, 3, &entry);
		napi_set_element(env, entry, 0, int_value(env, id));
		napi_set_element(env, entry, 1, int_value(env, done[i].member));
		napi_set_element(env, entry, 2, make_result(env, &done[i].result));
		napi_set_element(env, out, (uint32_t)i, entry);
	}
	return out;
}

static napi_value js_group_end(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	int32_t id;

	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	struct nat_group *g = argc < 1 ? NULL : group_arg(env, argv[0], &id);
	if (g) {
		groups[id] = NULL;
		nat_group_end(g);
	}
	return NULL;
}

/* drivers() -> the driver name of each /dev/dri/cardN, in minor order */
static napi_value js_drivers(napi_env env, napi_callback_info info)
{
	napi_value out, name;
	uint32_t n = 0;
	char path[32], driver[64];

	(void)info;
	napi_create_array(env, &out);
	for (int minor = 0; minor < 64; minor++) {
		snprintf(path, sizeof(path), "/dev/dri/card%d", minor);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!nat_driver_name(fd, driver, sizeof(driver))) {
			napi_create_string_utf8(env, driver, NAPI_AUTO_LENGTH, &name);
			napi_set_element(env, out, n++, name);
		}
		close(fd);
	}
	return out;
}

static napi_value init(napi_env env, napi_value exports)
{
	const napi_property_descriptor props[] = {
		{ "execute", NULL, js_execute, NULL, NULL, NULL, napi_default, NULL },
		{ "groupOpen", NULL, js_group_open, NULL, NULL, NULL, napi_default, NULL },
		{ "groupSubmit", NULL, js_group_submit, NULL, NULL, NULL, napi_default, NULL },
		{ "groupCollect", NULL, js_group_collect, NULL, NULL, NULL, napi_default, NULL },
		{ "groupEnd", NULL, js_group_end, NULL, NULL, NULL, napi_default, NULL },
		{ "drivers", NULL, js_drivers, NULL, NULL, NULL, napi_default, NULL },
	};
	napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
	return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
