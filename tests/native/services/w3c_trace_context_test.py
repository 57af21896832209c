#!/usr/bin/python3
"""The W3C Trace Context test suite's cases, against a service's test endpoint.

    w3c_trace_context_test.py SERVICE_BINARY [FLAG...]

Starts the service (with --port=0 --enable_admin and the flags given), plays the
suite's harness on a free loopback port and checks, case by case, what the service
sends on when it is asked to call the harness back: POST /admin/trace-context-test
with [{"url": ..., "arguments": []}], each request carrying the trace headers of the
case. The cases are those of the suite (github.com/w3c/trace-context, test/test.py:
TraceContextTest, AdvancedTest and TraceContext2Test), written here from the spec's
rules; the suite itself is not vendored. Needs Debian's python3 and python3-aiohttp.
Prints one line per case and "N passed, N failed"; exits 1 if any failed.
"""

import asyncio
import json
import re
import subprocess
import sys
import threading

from aiohttp import ClientSession, ClientTimeout, web

SPEC_TRACE_ID = '12345678901234567890123456789012'
SPEC_PARENT_ID = '1234567890123456'
VALID = '00-%s-%s-01' % (SPEC_TRACE_ID, SPEC_PARENT_ID)
UNSAMPLED = '00-%s-%s-00' % (SPEC_TRACE_ID, SPEC_PARENT_ID)
TRACEPARENT_FORMAT = re.compile(r'^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$')
MEMBER_FORMAT = re.compile(r'^([0-9a-z][_0-9a-z*/@-]{0,255})=([\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e])$')


class Sent:
    """What the service sent on in one call back: its traceparent and tracestate."""

    def __init__(self, raw_headers):
        parents = [value for name, value in raw_headers if name.lower() == 'traceparent']
        states = [value for name, value in raw_headers if name.lower() == 'tracestate']
        check(len(parents) == 1, 'expected one traceparent header, got %r' % parents)
        match = TRACEPARENT_FORMAT.match(parents[0])
        check(match is not None, 'the traceparent sent on is malformed: %r' % parents[0])
        version, self.trace_id, self.parent_id, flags = match.groups()
        check(version == '00', 'sent on as version %s, not 00' % version)
        check(self.trace_id != '0' * 32 and self.parent_id != '0' * 16, 'all-zero id sent on: %r' % parents[0])
        self.flags = int(flags, 16)
        self.tracestate_text = ','.join(states)
        self.tracestate = read_tracestate(self.tracestate_text)


def read_tracestate(text):
    """The members of a tracestate the service sent, in order; it must be valid."""
    members = {}
    for member in re.split('[ \t]*,[ \t]*', text.strip(' \t')):
        if not member:
            continue
        match = MEMBER_FORMAT.match(member)
        check(match is not None, 'the tracestate sent on has an invalid member %r' % member)
        members.setdefault(match.group(1), match.group(2))
    check(len(members) <= 32, 'more than 32 members sent on')
    return members


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Harness:
    """The suite's side: a server the service calls back, and the requests to it."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.calls = {}
        self.scopes = 0

    async def start(self):
        app = web.Application()
        app.add_routes([web.post('/{scope}/{index}', self.called)])
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, '127.0.0.1', 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def stop(self):
        await self.runner.cleanup()

    async def called(self, request):
        await request.read()
        key = (request.match_info['scope'], int(request.match_info['index']))
        self.calls[key] = [(name.decode('latin-1'), value.decode('latin-1')) for name, value in request.raw_headers]
        return web.json_response(None)

    async def send(self, headers, count=1):
        """Asks the service, with these headers, to call back `count` times; what it sent."""
        self.scopes += 1
        scope = 's%d' % self.scopes
        calls = [{'url': 'http://127.0.0.1:%d/%s/%d' % (self.port, scope, i), 'arguments': []} for i in range(count)]
        async with ClientSession(timeout=ClientTimeout(total=10)) as session:
            async with session.post(self.endpoint, data=json.dumps(calls), skip_auto_headers=['Content-Type'],
                                    headers=[('Content-Type', 'application/json')] + list(headers)) as response:
                body = await response.text()
                check(response.status == 200, 'the endpoint answered %d: %s' % (response.status, body))
        sent = []
        for i in range(count):
            check((scope, i) in self.calls, 'the service did not call back %d of %d: %s' % (i + 1, count, body))
            sent.append(Sent(self.calls.pop((scope, i))))
        return sent

    async def one(self, headers):
        return (await self.send(headers))[0]


CASES = []


def case(function):
    CASES.append(function)
    return function


async def continues(h, headers, trace_id=SPEC_TRACE_ID):
    sent = await h.one(headers)
    check(sent.trace_id == trace_id, 'expected trace %s continued, got %s' % (trace_id, sent.trace_id))
    return sent


async def restarts(h, headers, *not_trace_ids):
    sent = await h.one(headers)
    for trace_id in not_trace_ids or (SPEC_TRACE_ID,):
        check(sent.trace_id != trace_id, 'expected a new trace, got %s continued from %r' % (sent.trace_id, headers))
    return sent


def state_of(*values):
    return [('traceparent', UNSAMPLED)] + [('tracestate', value) for value in values]


# --- traceparent ------------------------------------------------------------------


@case
async def both_traceparent_and_tracestate_missing(h):
    await h.one([])  # a valid traceparent comes out


@case
async def traceparent_included_tracestate_missing(h):
    sent = await continues(h, [('traceparent', VALID)])
    check(sent.parent_id != SPEC_PARENT_ID, 'the parent-id was not replaced by the service\'s span')


@case
async def traceparent_duplicated(h):
    await restarts(h, [('traceparent', '00-12345678901234567890123456789011-1234567890123456-01'),
                       ('traceparent', VALID)], '12345678901234567890123456789011', SPEC_TRACE_ID)


@case
async def traceparent_header_name(h):
    for name in ('trace-parent', 'trace.parent'):
        await restarts(h, [(name, VALID)])


@case
async def traceparent_header_name_valid_casing(h):
    for name in ('TraceParent', 'TrAcEpArEnT', 'TRACEPARENT'):
        await continues(h, [(name, VALID)])


@case
async def traceparent_version_0x00(h):
    for value in (VALID + '.', VALID + '-what-the-future-will-be-like'):
        await restarts(h, [('traceparent', value)])


@case
async def traceparent_version_0xcc(h):
    future = 'cc' + VALID[2:]
    await continues(h, [('traceparent', future)])
    await continues(h, [('traceparent', future + '-what-the-future-will-be-like')])
    await restarts(h, [('traceparent', future + '.what-the-future-will-be-like')])


@case
async def traceparent_version_0xff(h):
    await restarts(h, [('traceparent', 'ff' + VALID[2:])])


TAIL = '-%s-%s-01' % (SPEC_TRACE_ID, SPEC_PARENT_ID)


@case
async def traceparent_version_illegal_characters(h):
    for value in ('.0' + TAIL, '0.' + TAIL):
        await restarts(h, [('traceparent', value)])


@case
async def traceparent_version_too_long(h):
    for value in ('000' + TAIL, '0000' + TAIL):
        await restarts(h, [('traceparent', value)])


@case
async def traceparent_version_too_short(h):
    await restarts(h, [('traceparent', '0' + TAIL)])


@case
async def traceparent_trace_id_all_zero(h):
    await restarts(h, [('traceparent', '00-%s-%s-01' % ('0' * 32, SPEC_PARENT_ID))], '0' * 32)


@case
async def traceparent_trace_id_illegal_characters(h):
    for trace_id in ('.' + SPEC_TRACE_ID[1:], SPEC_TRACE_ID[:-1] + '.'):
        await restarts(h, [('traceparent', '00-%s-%s-01' % (trace_id, SPEC_PARENT_ID))])


@case
async def traceparent_trace_id_too_long(h):
    await restarts(h, [('traceparent', '00-%s3-%s-01' % (SPEC_TRACE_ID, SPEC_PARENT_ID))],
                   SPEC_TRACE_ID, SPEC_TRACE_ID[1:] + '3')


@case
async def traceparent_trace_id_too_short(h):
    await restarts(h, [('traceparent', '00-%s-%s-01' % (SPEC_TRACE_ID[:-1], SPEC_PARENT_ID))])


@case
async def traceparent_parent_id_all_zero(h):
    await restarts(h, [('traceparent', '00-%s-%s-01' % (SPEC_TRACE_ID, '0' * 16))])


@case
async def traceparent_parent_id_illegal_characters(h):
    for parent_id in ('.' + SPEC_PARENT_ID[1:], SPEC_PARENT_ID[:-1] + '.'):
        await restarts(h, [('traceparent', '00-%s-%s-01' % (SPEC_TRACE_ID, parent_id))])


@case
async def traceparent_parent_id_too_long(h):
    await restarts(h, [('traceparent', '00-%s-%s7-01' % (SPEC_TRACE_ID, SPEC_PARENT_ID))])


@case
async def traceparent_parent_id_too_short(h):
    await restarts(h, [('traceparent', '00-%s-%s-01' % (SPEC_TRACE_ID, SPEC_PARENT_ID[:-1]))])


@case
async def traceparent_trace_flags_illegal_characters(h):
    for flags in ('.0', '0.'):
        await restarts(h, [('traceparent', '00-%s-%s-%s' % (SPEC_TRACE_ID, SPEC_PARENT_ID, flags))])


@case
async def traceparent_trace_flags_too_long(h):
    await restarts(h, [('traceparent', VALID[:-2] + '001')])


@case
async def traceparent_trace_flags_too_short(h):
    await restarts(h, [('traceparent', VALID[:-2] + '1')])


@case
async def traceparent_ows_handling(h):
    for value in (' ' + VALID, '\t' + VALID, VALID + ' ', VALID + '\t', '\t ' + VALID + ' \t'):
        await continues(h, [('traceparent', value)])


# --- tracestate -------------------------------------------------------------------


@case
async def tracestate_included_traceparent_missing(h):
    one = await h.one([('tracestate', 'foo=1')])
    two = await h.one([('tracestate', 'foo=1,bar=2')])
    check(len(one.tracestate) == len(two.tracestate), 'a tracestate without a traceparent was passed on')


@case
async def tracestate_included_traceparent_included(h):
    sent = await continues(h, state_of('foo=1,bar=2'))
    check(sent.tracestate == {'foo': '1', 'bar': '2'}, 'sent on %r' % sent.tracestate_text)


@case
async def tracestate_header_name(h):
    for name in ('trace-state', 'trace.state'):
        sent = await h.one([('traceparent', UNSAMPLED), (name, 'foo=1')])
        check('foo' not in sent.tracestate, '%s was taken for tracestate' % name)


@case
async def tracestate_header_name_valid_casing(h):
    for name in ('TraceState', 'TrAcEsTaTe', 'TRACESTATE'):
        sent = await h.one([('traceparent', UNSAMPLED), (name, 'foo=1')])
        check(sent.tracestate.get('foo') == '1', '%s: sent on %r' % (name, sent.tracestate_text))


@case
async def tracestate_empty_header(h):
    sent = await continues(h, state_of(''))
    check(sent.tracestate_text == '', 'an empty tracestate was sent on as %r' % sent.tracestate_text)
    for values in (('foo=1', ''), ('', 'foo=1')):
        sent = await continues(h, state_of(*values))
        check(sent.tracestate.get('foo') == '1', '%r: sent on %r' % (values, sent.tracestate_text))


@case
async def tracestate_multiple_headers_different_keys(h):
    sent = await continues(h, state_of('foo=1,bar=2', 'rojo=1,congo=2', 'baz=3'))
    check(list(sent.tracestate.items()) == [('foo', '1'), ('bar', '2'), ('rojo', '1'), ('congo', '2'), ('baz', '3')],
          'not combined in order: %r' % sent.tracestate_text)


@case
async def tracestate_duplicated_keys(h):
    for values, allowed in ((('foo=1,foo=1',), ('1',)), (('foo=1,foo=2',), ('1', '2')), (('foo=1', 'foo=1'), ('1',)),
                            (('foo=1', 'foo=2'), ('1', '2'))):
        sent = await continues(h, state_of(*values))
        check(sent.tracestate.get('foo') in allowed, '%r: sent on %r' % (values, sent.tracestate_text))


@case
async def tracestate_all_allowed_characters(h):
    key = 'abcdefghijklmnopqrstuvwxyz0123456789_-*/'
    value = ''.join(chr(c) for c in range(0x20, 0x7f) if chr(c) not in ',=')
    for k in (key, key + '@a-z0-9_-*/'):
        sent = await h.one(state_of(k + '=' + value))
        check(sent.tracestate.get(k) == value, 'key %r: sent on %r' % (k, sent.tracestate_text))


@case
async def tracestate_ows_handling(h):
    for text in ('foo=1 \t , \t bar=2, \t baz=3', 'foo=1\t \t,\t \tbar=2,\t \tbaz=3'):
        sent = await h.one(state_of(text))
        check(sent.tracestate == {'foo': '1', 'bar': '2', 'baz': '3'}, '%r: sent on %r' % (text, sent.tracestate_text))
    for text in (' foo=1', '\tfoo=1', 'foo=1 ', 'foo=1\t', '\t foo=1 \t'):
        sent = await continues(h, state_of(text))
        check(sent.tracestate.get('foo') == '1', '%r: sent on %r' % (text, sent.tracestate_text))


async def dropped(h, *values):
    """The tracestate of these values is invalid: none of it is sent on."""
    sent = await continues(h, state_of(*values))
    check(sent.tracestate == {}, '%r is invalid but %r was sent on' % (values, sent.tracestate_text))


async def kept(h, *values, expect):
    sent = await continues(h, state_of(*values))
    for key, value in expect.items():
        check(sent.tracestate.get(key) == value, '%r: expected %s=%s, sent on %r' %
              (values, key[:20], value, sent.tracestate_text))


@case
async def tracestate_key_illegal_characters(h):
    for text in ('foo =1', 'FOO=1', 'foo.bar=1'):
        await dropped(h, text)


@case
async def tracestate_key_illegal_vendor_format(h):
    # The spec's key grammar takes '@' anywhere after the first character.
    await kept(h, 'foo@=1,bar=2', expect={'foo@': '1', 'bar': '2'})
    await dropped(h, '@foo=1,bar=2')
    await kept(h, 'foo@@bar=1,bar=2', expect={'foo@@bar': '1', 'bar': '2'})
    await kept(h, 'foo@bar@baz=1,bar=2', expect={'foo@bar@baz': '1', 'bar': '2'})


@case
async def tracestate_member_count_limit(h):
    members = ['bar%02d=%02d' % (i, i) for i in range(1, 34)]
    headers = [','.join(members[0:10]), ','.join(members[10:20]), ','.join(members[20:30])]
    sent = await continues(h, state_of(*(headers + [','.join(members[30:32])])))
    check(len(sent.tracestate) == 32 and sent.tracestate.get('bar01') == '01', '32 members: sent on %d' %
          len(sent.tracestate))
    await dropped(h, *(headers + [','.join(members[30:33])]))


@case
async def tracestate_key_length_limit(h):
    for key in ('z' * 256, 't' * 241 + '@' + 'v' * 14, 't' * 242 + '@v', 't@' + 'v' * 15):
        await kept(h, 'foo=1', key + '=1', expect={'foo': '1', key: '1'})
    await dropped(h, 'foo=1', 'z' * 257 + '=1')


@case
async def tracestate_value_illegal_characters(h):
    await dropped(h, 'foo=bar=baz')
    await dropped(h, 'foo=,bar=3')


# --- several calls, and Level 2 ---------------------------------------------------


@case
async def multiple_requests_with_valid_traceparent(h):
    sent = await h.send([('traceparent', VALID)], 3)
    check({s.trace_id for s in sent} == {SPEC_TRACE_ID}, 'not every call continued the trace')
    check(len({s.parent_id for s in sent}) == 3, 'the calls share a parent-id: each should be its own span')


@case
async def multiple_requests_without_traceparent(h):
    sent = await h.send([], 3)
    check(len({s.parent_id for s in sent}) == 3, 'the calls share a parent-id: each should be its own span')


@case
async def multiple_requests_with_illegal_traceparent(h):
    sent = await h.send([('traceparent', '00-%s-%s-01' % ('0' * 32, SPEC_PARENT_ID))], 3)
    check('0' * 32 not in {s.trace_id for s in sent}, 'an all-zero trace-id was sent on')
    check(len({s.parent_id for s in sent}) == 3, 'the calls share a parent-id: each should be its own span')


@case
async def propagates_random_flag(h):
    sent = await continues(h, [('traceparent', VALID[:-2] + '02')])
    check(sent.parent_id != SPEC_PARENT_ID, 'the parent-id was not replaced')
    check(sent.flags & 0x02, 'the random-trace-id flag was not passed on (flags %02x)' % sent.flags)


# --- running ----------------------------------------------------------------------


def start_service(binary, flags):
    """Starts the service; its log is kept (drained on a thread, so it never blocks)."""
    process = subprocess.Popen([binary, '--port=0', '--enable_admin'] + flags, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    log = []
    listening = threading.Event()

    def drain():
        for line in process.stderr:
            log.append(line)
            if '"action":"listening"' in line:
                listening.set()

    threading.Thread(target=drain, daemon=True).start()
    if not listening.wait(20):
        process.kill()
        raise SystemExit('FAIL: %s did not log the port it listens on:\n%s' % (binary, ''.join(log)))
    port = int(re.search(r'"port":(\d+)', next(line for line in log if '"action":"listening"' in line)).group(1))
    return process, port, log


async def run_cases(port):
    harness = Harness('http://127.0.0.1:%d/admin/trace-context-test' % port)
    await harness.start()
    passed = failed = 0
    try:
        for run in CASES:
            try:
                await run(harness)
                passed += 1
                print('ok   %s' % run.__name__)
            except (Failure, OSError, asyncio.TimeoutError) as error:
                failed += 1
                print('FAIL %s: %s' % (run.__name__, error))
    finally:
        await harness.stop()
    return passed, failed


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ('-h', '--help'):
        print(__doc__.strip())
        return 0 if len(sys.argv) >= 2 else 2
    process, port, log = start_service(sys.argv[1], sys.argv[2:])
    try:
        passed, failed = asyncio.run(run_cases(port))
    finally:
        process.terminate()
        process.wait(timeout=10)
    if failed:
        print('--- the service\'s log ---\n' + ''.join(log[-50:]))
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
