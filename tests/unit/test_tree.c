/*
 * test_tree.c: the live node tree (backends/store/tree.h) on its own:
 * creation and lookup, child order, values that grow and shrink, removal
 * of deep and wide subtrees without recursion, id and memory reuse,
 * special nodes beside "/", and the pre-order walk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/store/tree.h"
#include "tests/unit/check.h"

CHECK_MAIN_DEFS;

static uint64_t gen;

static node_id mk(struct tree *t, node_id parent, const char *name,
		  const char *val)
{
	return tree_create(t, parent, name, strlen(name), 7, val,
			   val ? strlen(val) : 0);
}

/* A node's name as a C string. */
static const char *name_of(const struct tree *t, node_id n)
{
	static char buf[256];
	size_t len;
	const char *s = tree_name(t, n, &len);

	if (len >= sizeof(buf))
		return "(long)";
	memcpy(buf, s, len);
	buf[len] = '\0';
	return buf;
}

/* A node's value as a C string. */
static const char *value_of(const struct tree *t, node_id n)
{
	static char buf[8192];
	size_t len;
	const char *s = tree_value(t, n, &len);

	if (len >= sizeof(buf))
		return "(long)";
	memcpy(buf, s, len);
	buf[len] = '\0';
	return buf;
}

/* Child names of n, "a,b,c,". */
static const char *kids(const struct tree *t, node_id n)
{
	static char buf[4096];
	size_t off = 0;
	node_id c;

	buf[0] = '\0';
	for (c = tree_first_child(t, n); c && off < sizeof(buf) - 300;
	     c = tree_next_sibling(t, c))
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s,",
					name_of(t, c));
	return buf;
}

static void test_create_lookup(void)
{
	struct tree *t = tree_new(&gen);
	node_id root, a, b, c, ab;

	CHECK(t != NULL);
	root = tree_root(t);
	CHECK(root != 0);
	CHECK_INT(tree_count(t), 1);
	CHECK_INT(tree_lookup(t, "/"), root);
	CHECK_INT(tree_parent(t, root), 0);
	a = mk(t, root, "a", "va");
	b = mk(t, root, "b", NULL);
	ab = mk(t, a, "b", "vab");
	CHECK(a && b && ab && a != b && b != ab);
	CHECK_INT(tree_count(t), 4);
	CHECK_INT(tree_lookup(t, "/a"), a);
	CHECK_INT(tree_lookup(t, "/b"), b);
	CHECK_INT(tree_lookup(t, "/a/b"), ab);
	CHECK_INT(tree_lookup(t, "/a/b/c"), 0);
	CHECK_INT(tree_lookup(t, "/c"), 0);
	CHECK_INT(tree_lookup(t, "/b/b"), 0);
	CHECK_INT(tree_lookup(t, "a"), 0);
	CHECK_INT(tree_child(t, a, "b", 1), ab);
	CHECK_INT(tree_child(t, root, "b", 1), b);
	CHECK_INT(tree_child(t, b, "b", 1), 0);
	/* Names are compared by length too. */
	CHECK_INT(tree_child(t, root, "ab", 1), a);
	CHECK_INT(tree_child(t, root, "ab", 2), 0);
	CHECK_INT(tree_parent(t, ab), a);
	CHECK_STR(name_of(t, ab), "b");
	CHECK_STR(value_of(t, ab), "vab");
	CHECK_STR(value_of(t, b), "");
	CHECK_INT(tree_perms(t, a), 7);
	tree_set_perms(t, a, 9);
	CHECK_INT(tree_perms(t, a), 9);
	/* A name may hold any bytes the caller passes. */
	c = tree_create(t, root, "x\0y", 3, 1, "v\0w", 3);
	CHECK(c != 0);
	CHECK_INT(tree_child(t, root, "x\0y", 3), c);
	CHECK_INT(tree_child(t, root, "x", 1), 0);
	{
		size_t len;
		const char *v = tree_value(t, c, &len);

		CHECK_INT(len, 3);
		CHECK(memcmp(v, "v\0w", 3) == 0);
	}
	tree_free(t);
	tree_free(NULL);
}

static void test_children_order(void)
{
	struct tree *t = tree_new(&gen);
	node_id root = tree_root(t), p, c[6];
	char n[8];
	int i;

	p = mk(t, root, "p", NULL);
	CHECK_STR(kids(t, p), "");
	CHECK_INT(tree_first_child(t, p), 0);
	for (i = 0; i < 6; i++) {
		snprintf(n, sizeof(n), "%c", "zaymbx"[i]);
		c[i] = mk(t, p, n, NULL);
	}
	/* Creation order, not name order. */
	CHECK_STR(kids(t, p), "z,a,y,m,b,x,");
	/* Remove the first, a middle one and the last. */
	tree_remove(t, c[0], "/p/z", NULL, NULL);
	CHECK_STR(kids(t, p), "a,y,m,b,x,");
	tree_remove(t, c[3], "/p/m", NULL, NULL);
	CHECK_STR(kids(t, p), "a,y,b,x,");
	tree_remove(t, c[5], "/p/x", NULL, NULL);
	CHECK_STR(kids(t, p), "a,y,b,");
	/* A re-created child goes to the end. */
	mk(t, p, "z", NULL);
	CHECK_STR(kids(t, p), "a,y,b,z,");
	CHECK_INT(tree_lookup(t, "/p/m"), 0);
	CHECK(tree_lookup(t, "/p/z") != 0);
	/* Down to one child and to none. */
	tree_remove(t, c[1], "/p/a", NULL, NULL);
	tree_remove(t, c[2], "/p/y", NULL, NULL);
	tree_remove(t, c[4], "/p/b", NULL, NULL);
	CHECK_STR(kids(t, p), "z,");
	tree_remove(t, tree_lookup(t, "/p/z"), "/p/z", NULL, NULL);
	CHECK_STR(kids(t, p), "");
	CHECK_INT(tree_first_child(t, p), 0);
	CHECK_INT(tree_count(t), 2);
	mk(t, p, "again", NULL);
	CHECK_STR(kids(t, p), "again,");
	tree_free(t);
}

static void test_values(void)
{
	static const size_t lens[] = {0, 1,   2,   3,   4,    5,    7,
				      8, 100, 3,   0,   4093, 4096, 17,
				      0, 1,   255, 256, 4000, 1};
	struct tree *t = tree_new(&gen);
	node_id root = tree_root(t), n, m, o;
	char *v = malloc(8192), *w = malloc(8192);
	size_t i, j;

	/* Names of every length modulo 4 beside the node that changes. */
	n = mk(t, root, "abc", NULL);
	m = mk(t, root, "neighbour", "stays");
	o = mk(t, root, "", NULL); /* an empty name */
	CHECK(n && m && o);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint32_t g = tree_gen(t, n);
		size_t len;

		for (j = 0; j < lens[i]; j++)
			v[j] = (char)('a' + (i + j) % 26);
		v[lens[i]] = '\0';
		CHECK_INT(tree_set_value(t, n, v, lens[i]), 0);
		CHECK(tree_gen(t, n) != g);
		memcpy(w, tree_value(t, n, &len), lens[i]);
		w[lens[i]] = '\0';
		CHECK_INT(len, lens[i]);
		CHECK(strcmp(w, v) == 0);
		/* The name survives the value moving around. */
		CHECK_STR(name_of(t, n), "abc");
		CHECK_INT(tree_lookup(t, "/abc"), n);
		CHECK_STR(value_of(t, m), "stays");
		CHECK_STR(name_of(t, m), "neighbour");
		/* The empty-named node works the same way. */
		CHECK_INT(tree_set_value(t, o, v, lens[i]), 0);
		memcpy(w, tree_value(t, o, &len), lens[i]);
		CHECK_INT(len, lens[i]);
		CHECK(memcmp(w, v, lens[i]) == 0);
	}
	/* Binary values keep their NULs. */
	CHECK_INT(tree_set_value(t, n, "\0\0x\0", 4), 0);
	{
		size_t len;
		const char *s = tree_value(t, n, &len);

		CHECK_INT(len, 4);
		CHECK(memcmp(s, "\0\0x\0", 4) == 0);
	}
	/* The root can hold a value too. */
	CHECK_INT(tree_set_value(t, root, "r", 1), 0);
	CHECK_STR(value_of(t, root), "r");
	CHECK_INT(tree_count(t), 4);
	free(v);
	free(w);
	tree_free(t);
}

static void test_generations(void)
{
	struct tree *t = tree_new(&gen);
	node_id root = tree_root(t), p, c;
	uint32_t gp, gc;
	uint64_t before = gen;

	p = mk(t, root, "p", NULL);
	CHECK(gen > before);
	gp = tree_gen(t, p);
	c = mk(t, p, "c", NULL);
	/* A new child moves its parent on. */
	CHECK(tree_gen(t, p) != gp);
	gp = tree_gen(t, p);
	gc = tree_gen(t, c);
	/* A value change moves the node, not its parent. */
	tree_set_value(t, c, "1", 1);
	CHECK(tree_gen(t, c) != gc);
	CHECK_INT(tree_gen(t, p), gp);
	tree_touch(t, p);
	CHECK(tree_gen(t, p) != gp);
	gp = tree_gen(t, p);
	/* Removing a child moves the parent. */
	tree_remove(t, c, "/p/c", NULL, NULL);
	CHECK(tree_gen(t, p) != gp);
	tree_free(t);
}

struct visits {
	size_t n;
	node_id last;
	size_t maxlen;
	char deepest[4096];
	bool order_ok; /* every node seen after all its children */
	struct tree *t;
};

static void visit_cb(void *arg, node_id n, const char *path, size_t plen)
{
	struct visits *v = arg;

	v->n++;
	/* Children go first: when a node is visited it has none left. */
	if (tree_first_child(v->t, n) != 0)
		v->order_ok = false;
	if (strlen(path) != plen)
		v->order_ok = false;
	if (plen > v->maxlen && plen < sizeof(v->deepest)) {
		v->maxlen = plen;
		memcpy(v->deepest, path, plen + 1);
	}
	v->last = n;
}

static void test_deep_chain(void)
{
	enum { DEPTH = 1500 };
	struct tree *t = tree_new(&gen);
	node_id root = tree_root(t), n = root, top = 0, sib;
	struct visits v;
	char *want = malloc(DEPTH * 2 + 16);
	size_t base = tree_count(t), bytes = 0;
	int i, round;

	for (round = 0; round < 3; round++) {
		n = root;
		for (i = 0; i < DEPTH; i++) {
			n = mk(t, n, "a", NULL);
			if (!n)
				break;
			if (i == 0)
				top = n;
		}
		CHECK(n != 0);
		sib = mk(t, root, "sibling", "x");
		CHECK_INT(tree_count(t), base + DEPTH + 1);
		/* Lookup at full depth. */
		want[0] = '\0';
		for (i = 0; i < DEPTH; i++)
			strcat(want, "/a");
		CHECK_INT(tree_lookup(t, want), n);
		if (round == 0)
			bytes = tree_bytes(t);
		else
			CHECK_INT(tree_bytes(t), bytes);
		memset(&v, 0, sizeof(v));
		v.order_ok = true;
		v.t = t;
		tree_remove(t, top, "/a", visit_cb, &v);
		CHECK_INT(v.n, DEPTH);
		CHECK(v.order_ok);
		CHECK_INT(v.last, top); /* the top comes last */
		CHECK_STR(v.deepest, want);
		CHECK_INT(tree_count(t), base + 1);
		CHECK_INT(tree_lookup(t, "/a"), 0);
		CHECK_INT(tree_lookup(t, "/sibling"), sib);
		CHECK_STR(kids(t, root), "sibling,");
		tree_remove(t, sib, "/sibling", NULL, NULL);
		CHECK_INT(tree_count(t), base);
	}
	free(want);
	tree_free(t);
}

/* 300 directories of 1,000 leaves each, plus the top: 300,301 nodes. */
static node_id make_wide(struct tree *t, node_id parent)
{
	node_id top = mk(t, parent, "wide", NULL), d;
	char name[32], val[32];
	int i, j;

	for (i = 0; i < 300 && top; i++) {
		snprintf(name, sizeof(name), "dir%d", i);
		d = mk(t, top, name, NULL);
		if (!d)
			return 0;
		for (j = 0; j < 1000; j++) {
			snprintf(name, sizeof(name), "leaf-%d", j);
			snprintf(val, sizeof(val), "%d", i * j % (1 + j % 97));
			if (!mk(t, d, name, val))
				return 0;
		}
	}
	return top;
}

static void test_wide_subtree(void)
{
	struct tree *t = tree_new(&gen);
	node_id root = tree_root(t), top, keep;
	size_t base, bytes[4];
	struct visits v;
	int round;

	keep = mk(t, root, "keep", "me");
	base = tree_count(t);
	for (round = 0; round < 4; round++) {
		top = make_wide(t, root);
		CHECK(top != 0);
		CHECK_INT(tree_count(t), base + 300301);
		CHECK(tree_lookup(t, "/wide/dir299/leaf-999") != 0);
		CHECK_STR(value_of(t, tree_lookup(t, "/wide/dir7/leaf-5")),
			  "5");
		memset(&v, 0, sizeof(v));
		v.order_ok = true;
		v.t = t;
		tree_remove(t, top, "/wide", visit_cb, &v);
		CHECK_INT(v.n, 300301);
		CHECK(v.order_ok);
		CHECK_INT(v.last, top);
		/* Leaves are reported with their full paths. */
		CHECK(strncmp(v.deepest, "/wide/dir", 9) == 0 &&
		      strstr(v.deepest, "/leaf-") != NULL);
		CHECK_INT(tree_count(t), base);
		CHECK_INT(tree_lookup(t, "/wide"), 0);
		CHECK_INT(tree_lookup(t, "/wide/dir3/leaf-3"), 0);
		CHECK_INT(tree_lookup(t, "/keep"), keep);
		CHECK_STR(value_of(t, keep), "me");
		bytes[round] = tree_bytes(t);
	}
	/* Freed headers, blobs and index slots are reused: no growth. */
	CHECK_INT(bytes[2], bytes[1]);
	CHECK_INT(bytes[3], bytes[1]);
	tree_free(t);
}

static void test_id_reuse(void)
{
	struct tree *t = tree_new(&gen);
	node_id root = tree_root(t), ids[100], again, maxid = 0;
	char name[16];
	int i;

	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		ids[i] = mk(t, root, name, "v");
		if (ids[i] > maxid)
			maxid = ids[i];
	}
	for (i = 0; i < 100; i += 2) {
		snprintf(name, sizeof(name), "/n%d", i);
		tree_remove(t, ids[i], name, NULL, NULL);
	}
	CHECK_INT(tree_count(t), 51);
	/* New nodes take freed ids: nothing above the old maximum. */
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		again = mk(t, root, name, "w");
		CHECK(again != 0 && again <= maxid);
		CHECK_STR(name_of(t, again), name);
		CHECK_INT(tree_parent(t, again), root);
	}
	/* The survivors are intact. */
	for (i = 1; i < 100; i += 2) {
		snprintf(name, sizeof(name), "/n%d", i);
		CHECK_INT(tree_lookup(t, name), ids[i]);
		CHECK_STR(value_of(t, ids[i]), "v");
	}
	CHECK_INT(tree_count(t), 101);
	tree_free(t);
}

static void test_special_nodes(void)
{
	struct tree *t = tree_new(&gen);
	node_id root = tree_root(t), s1, s2, a, n;
	int seen = 0;

	s1 = mk(t, 0, "@introduceDomain", NULL);
	s2 = mk(t, 0, "@releaseDomain", NULL);
	a = mk(t, root, "@introduceDomain", "plain"); /* a normal child */
	CHECK(s1 && s2 && a && s1 != a);
	CHECK_INT(tree_lookup(t, "@introduceDomain"), s1);
	CHECK_INT(tree_lookup(t, "@releaseDomain"), s2);
	CHECK_INT(tree_lookup(t, "/@introduceDomain"), a);
	CHECK_INT(tree_lookup(t, "@nothing"), 0);
	CHECK_INT(tree_parent(t, s1), 0);
	CHECK_INT(tree_next_sibling(t, s1), 0);
	CHECK_INT(tree_count(t), 4);
	/* Special nodes are not children of "/" and not in the walk. */
	CHECK_STR(kids(t, root), "@introduceDomain,");
	for (n = tree_walk_next(t, 0); n; n = tree_walk_next(t, n))
		seen++;
	CHECK_INT(seen, 2);
	CHECK_INT(tree_walk_skip(t, s1), 0);
	/* Values and removal work for them as for any node. */
	CHECK_INT(tree_set_value(t, s1, "x", 1), 0);
	CHECK_STR(value_of(t, s1), "x");
	tree_remove(t, s2, "@releaseDomain", NULL, NULL);
	CHECK_INT(tree_lookup(t, "@releaseDomain"), 0);
	CHECK_INT(tree_lookup(t, "@introduceDomain"), s1);
	CHECK_INT(tree_lookup(t, "/@introduceDomain"), a);
	CHECK_INT(tree_count(t), 3);
	tree_free(t);
}

static void test_walk(void)
{
	struct tree *t = tree_new(&gen);
	node_id root = tree_root(t), a, a1, a2, x, b, c, c1, n;
	char order[256];
	size_t off = 0;

	/* / { a { a1, a2 { x } }, b, c { c1 } } */
	a = mk(t, root, "a", NULL);
	b = mk(t, root, "b", NULL);
	a1 = mk(t, a, "a1", NULL);
	a2 = mk(t, a, "a2", NULL);
	x = mk(t, a2, "x", NULL);
	c = mk(t, root, "c", NULL);
	c1 = mk(t, c, "c1", NULL);
	mk(t, 0, "@special", NULL);
	for (n = tree_walk_next(t, 0); n; n = tree_walk_next(t, n))
		off += (size_t)snprintf(order + off, sizeof(order) - off, "%s,",
					n == root ? "/" : name_of(t, n));
	CHECK_STR(order, "/,a,a1,a2,x,b,c,c1,");
	CHECK_INT(tree_walk_next(t, 0), root);
	CHECK_INT(tree_walk_skip(t, a), b);
	CHECK_INT(tree_walk_skip(t, a1), a2);
	CHECK_INT(tree_walk_skip(t, a2), b);
	CHECK_INT(tree_walk_skip(t, x), b);
	CHECK_INT(tree_walk_skip(t, b), c);
	CHECK_INT(tree_walk_skip(t, c), 0);
	CHECK_INT(tree_walk_skip(t, c1), 0);
	CHECK_INT(tree_walk_skip(t, root), 0);
	CHECK_INT(tree_walk_next(t, c1), 0);
	/* Skipping lets a walker delete what it skips (domain cleanup). */
	tree_remove(t, a, "/a", NULL, NULL);
	off = 0;
	for (n = tree_walk_next(t, 0); n; n = tree_walk_next(t, n))
		off += (size_t)snprintf(order + off, sizeof(order) - off, "%s,",
					n == root ? "/" : name_of(t, n));
	CHECK_STR(order, "/,b,c,c1,");
	tree_free(t);
}

/* A walk over a deep chain takes no stack either. */
static void test_walk_deep(void)
{
	struct tree *t = tree_new(&gen);
	node_id n = tree_root(t);
	size_t count = 0;
	int i;

	for (i = 0; i < 100000; i++)
		n = mk(t, n, "d", NULL);
	CHECK(n != 0);
	for (n = tree_walk_next(t, 0); n; n = tree_walk_next(t, n))
		count++;
	CHECK_INT(count, 100001);
	CHECK_INT(tree_walk_skip(t, tree_lookup(t, "/d")), 0);
	tree_free(t);
}

int main(void)
{
	RUN(test_create_lookup);
	RUN(test_children_order);
	RUN(test_values);
	RUN(test_generations);
	RUN(test_deep_chain);
	RUN(test_wide_subtree);
	RUN(test_id_reuse);
	RUN(test_special_nodes);
	RUN(test_walk);
	RUN(test_walk_deep);
	return CHECK_DONE();
}
