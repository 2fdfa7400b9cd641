#!/usr/bin/env python3
# checkexport.py [-q] DB.ldif DIR [BUNDLE] - do the export files equal the db?
#
# DB.ldif: `ldapsearch -LLL -o ldif-wrap=no` output with cn,
# userCertificate;binary and tsSubjectHash of every certificate entry.
# DIR must hold exactly one file per certificate, named <tsSubjectHash>.<n>
# with n = 0..k-1 inside each hash (what `openssl rehash` makes), each the
# PEM of that certificate, and nothing else (no temporary or stale files).
# BUNDLE must hold every certificate once, each preceded by a one-line
# comment naming its alias, and no line that is neither comment nor PEM.
# Exit 0 when equal; else 1 and what differs on stderr.
import base64
import hashlib
import os
import re
import sys


def parse_ldif(path):
	entries, cur, last = [], None, None
	for raw in open(path, 'rb').read().split(b'\n'):
		line = raw.rstrip(b'\r')
		if not line:
			if cur:
				entries.append(cur)
			cur, last = None, None
			continue
		if line.startswith(b' ') and cur is not None and last:
			cur[last][-1] += line[1:]	# continuation (if wrapped)
			continue
		if line.startswith(b'#'):
			continue
		m = re.match(rb'^([^:]+)(::?)\s?(.*)$', line)
		if not m:
			continue
		name = m.group(1).decode().lower()
		val = m.group(3)
		if m.group(2) == b'::':
			val = base64.b64decode(val)
		if cur is None:
			cur = {}
		cur.setdefault(name, []).append(val)
		last = name
	if cur:
		entries.append(cur)
	return [e for e in entries if 'usercertificate;binary' in e]


def pem_blocks(text):
	"""DER of each CERTIFICATE block in text"""
	out = []
	for m in re.finditer(rb'-----BEGIN CERTIFICATE-----\r?\n(.*?)-----END CERTIFICATE-----',
			     text, re.S):
		out.append(base64.b64decode(b''.join(m.group(1).split())))
	return out


def names(comment, alias):
	"""does the comment line name alias?  Control characters (a newline
	in an alias) may be escaped or dropped: the printable runs must appear"""
	if comment is None:
		return False
	parts = [p for p in re.split(rb'[\x00-\x1f\x7f]+', alias) if p]
	return all(p in comment for p in parts)


def main(argv):
	quiet = False
	if len(argv) > 1 and argv[1] == '-q':
		quiet = True
		argv = argv[1:]
	errors = []
	db = parse_ldif(argv[1])
	want = {}		# sha256 -> (hash, alias)
	# TS_EXPORT_DUP_OK=PREFIX: a certificate stored under two aliases that
	# both begin so is expected (docs/replication.md: imported under two
	# aliases on two nodes at once, both stay; t780's shared aliases): its
	# file once, its bundle block once per alias
	dup_ok = os.environ.get('TS_EXPORT_DUP_OK', '').encode()
	aliases = {}		# sha256 -> every alias holding it
	for e in db:
		der = e['usercertificate;binary'][0]
		fp = hashlib.sha256(der).hexdigest()
		# slapadd-loaded entries carry no decorations: no hash to check
		h = e.get('tssubjecthash', [None])[0]
		h = h.decode() if h is not None else None
		alias = e.get('cn', [b'?'])[0]
		if fp in want and not (dup_ok and alias.startswith(dup_ok) and
				       want[fp][1].startswith(dup_ok)):
			errors.append('fingerprint %s stored twice' % fp)
		want[fp] = (h, alias)
		aliases.setdefault(fp, []).append(alias)

	d = argv[2]
	got = {}		# sha256 -> file name
	buckets = {}
	for name in sorted(os.listdir(d) if os.path.isdir(d) else []):
		m = re.match(r'^([0-9a-f]{8})\.(\d+)$', name)
		if not m:
			errors.append('stray file in export dir: %r' % name)
			continue
		buckets.setdefault(m.group(1), []).append(int(m.group(2)))
		blocks = pem_blocks(open(os.path.join(d, name), 'rb').read())
		if len(blocks) != 1:
			errors.append('%s holds %d certificates' % (name, len(blocks)))
			continue
		fp = hashlib.sha256(blocks[0]).hexdigest()
		if fp in got:
			errors.append('%s and %s hold the same certificate' % (got[fp], name))
		got[fp] = name
		if fp in want and want[fp][0] not in (None, m.group(1)):
			errors.append('%s holds a certificate whose subject hash is %s'
				      % (name, want[fp][0]))
	for h, ns in buckets.items():
		if sorted(ns) != list(range(len(ns))):
			errors.append('hash %s: suffixes %s are not 0..%d'
				      % (h, sorted(ns), len(ns) - 1))
	for fp in set(want) - set(got):
		errors.append('missing in export dir: %s (alias %r)' % (fp, want[fp][1]))
	for fp in set(got) - set(want):
		errors.append('stale in export dir: %s' % got[fp])

	if len(argv) > 3 and not os.path.exists(argv[3]):
		errors.append('no bundle at %s' % argv[3])
	elif len(argv) > 3:
		text = open(argv[3], 'rb').read()
		inblock = False
		comment = None
		seen = {}
		lines = text.split(b'\n')
		for i, line in enumerate(lines):
			if line.startswith(b'-----BEGIN '):
				inblock = True
				start = i
			elif line.startswith(b'-----END '):
				inblock = False
				der = pem_blocks(b'\n'.join(lines[start:i + 1]) + b'\n')
				if len(der) != 1:
					errors.append('bundle line %d: not a certificate block' % (start + 1))
					continue
				fp = hashlib.sha256(der[0]).hexdigest()
				seen.setdefault(fp, []).append(comment)
				if len(seen[fp]) > len(aliases.get(fp, [None])):
					errors.append('bundle: %s twice' % fp)
				if fp in want and not any(names(comment, a)
							  for a in aliases[fp]):
					errors.append('bundle: certificate %r not preceded by a comment naming it (%r)'
						      % (want[fp][1], comment))
				comment = None
			elif inblock:
				continue
			elif line.startswith(b'#'):
				comment = line
			elif line.strip():
				errors.append('bundle line %d is neither comment nor PEM: %r'
					      % (i + 1, line[:80]))
		for fp in set(want) - set(seen):
			errors.append('missing in bundle: alias %r' % (want[fp][1],))
		for fp in set(seen) - set(want):
			errors.append('stale in bundle: %s' % fp)

	if errors and not quiet:
		sys.stderr.write('checkexport: %d entries, %d files: %d problems\n'
				 % (len(want), len(got), len(errors)))
		for e in errors[:20]:
			sys.stderr.write('  ' + e + '\n')
	return 1 if errors else 0


if __name__ == '__main__':
	sys.exit(main(sys.argv))
