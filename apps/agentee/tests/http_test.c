/* The gateway's HTTP subset: complete, partial and refused requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"

static struct http_request req;

static int parse(const char *s)
{
	return http_parse(s, strlen(s), &req);
}

static void test_complete(void **state)
{
	(void)state;
	assert_int_equal(parse("GET /v1/attestation?nonce=ab12&x=1 HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_COMPLETE);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.path, "/v1/attestation");
	assert_string_equal(req.query, "nonce=ab12&x=1");
	assert_int_equal(req.body_len, 0);
	char v[16];
	assert_int_equal(http_query_param(req.query, "nonce", v, sizeof(v)), 4);
	assert_string_equal(v, "ab12");
	assert_int_equal(http_query_param(req.query, "x", v, sizeof(v)), 1);
	assert_int_equal(http_query_param(req.query, "non", v, sizeof(v)), -1);
	assert_int_equal(http_query_param(req.query, "nonce", v, 4), -1);

	static const char post[] = "POST /v1/chat/completions HTTP/1.1\r\ncontent-LENGTH: 7\r\n"
				   "Accept: application/json, text/event-stream\r\n\r\n{\"a\":1}";
	assert_int_equal(parse(post), HTTP_COMPLETE);
	assert_int_equal(req.body_len, 7);
	assert_memory_equal(req.body, "{\"a\":1}", 7);
	assert_true(req.event_stream);
	/* Bytes after the body (a pipelined request) are not this one's. */
	char two[256];
	snprintf(two, sizeof(two), "%sGET / HTTP/1.1\r\n\r\n", post);
	assert_int_equal(parse(two), HTTP_COMPLETE);
	assert_int_equal(req.body_len, 7);
}

static void test_partial(void **state)
{
	(void)state;
	assert_int_equal(parse(""), HTTP_PARTIAL);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\n"), HTTP_PARTIAL);
	assert_int_equal(parse("POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345"), HTTP_PARTIAL);
}

static void test_refused(void **state)
{
	(void)state;
	assert_int_equal(parse("POST /x HTTP/1.1\r\n\r\n"), 411);
	assert_int_equal(parse("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 501);
	assert_int_equal(parse("BREW /pot HTTP/1.1\r\n\r\n"), 501);
	assert_int_equal(parse("get / HTTP/1.1\r\n\r\n"), 501);
	assert_int_equal(parse("GET / HTTP/2.0\r\n\r\n"), 505);
	assert_int_equal(parse("GET / SPDY\r\n\r\n"), 400);
	assert_int_equal(parse("GET nopath HTTP/1.1\r\n\r\n"), 400);
	assert_int_equal(parse("GET / HTTP/1.1\r\nNoColon\r\n\r\n"), 400);
	assert_int_equal(parse("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"), 400);
	assert_int_equal(parse("POST /x HTTP/1.1\r\nContent-Length: 1x\r\n\r\n"), 400);
	assert_int_equal(parse("POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"), 400);
	assert_int_equal(parse("POST /x HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n"), 400);
	assert_int_equal(parse("POST /x HTTP/1.1\r\nContent-Length: 70000\r\n\r\n"), 413);
	assert_int_equal(parse("GET /a\x01 HTTP/1.1\r\n\r\n"), 400);
	char longpath[512] = "GET /";
	memset(longpath + 5, 'a', 300);
	strcpy(longpath + 305, " HTTP/1.1\r\n\r\n");
	assert_int_equal(parse(longpath), 414);
	/* A head that never ends, as large as a request may be. */
	static char huge[HTTP_MAX_REQUEST + 10];
	memset(huge, 'a', sizeof(huge) - 1);
	assert_int_equal(http_parse(huge, sizeof(huge) - 1, &req), 413);
}

static void test_head(void **state)
{
	char out[256];
	(void)state;
	size_t n = http_head(out, sizeof(out), 404, "application/json", 12);
	assert_int_equal(n, strlen(out));
	assert_string_equal(out, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 12\r\n"
				 "Connection: close\r\n\r\n");
	n = http_head(out, sizeof(out), 200, "text/event-stream", -1);
	assert_non_null(strstr(out, "Cache-Control: no-cache\r\n"));
	assert_null(strstr(out, "Content-Length"));
	assert_int_equal(http_head(out, 20, 200, "text/plain", 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complete),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_head),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
