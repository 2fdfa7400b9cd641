#!/usr/bin/env python3
# concur.py - plans and checks for the concurrency tests (t750, t760)
#
#   concur.py plan CERTDIR BASE CLIENTS N OUTDIR
#       CLIENTS LDIF files OUTDIR/client-C.ldif for ldapmodify: client C
#       owns the entries j = C mod CLIENTS among c-0..c-(N-1); it adds each
#       and, ten entries later, changes it: j%5 == 1 replaces the
#       certificate (CERTDIR/r-j.der), 2 renames it to rn-j, 3 deletes it,
#       4 modifies its description, 0 leaves it.  OUTDIR/expected holds the
#       final state: "alias sha256 description" per entry.
#   concur.py check DB.ldif EXPECTED
#       the database (cn, userCertificate;binary, description) equals the
#       expected state: nothing lost, nothing extra, no fingerprint twice.
#   concur.py dups DB.ldif
#       no certificate stored under two aliases (prints the duplicates).
import base64
import hashlib
import os
import sys

LAG = 10


def sha(path):
	return hashlib.sha256(open(path, 'rb').read()).hexdigest()


def plan(certdir, base, clients, n, outdir):
	expected = []
	files = [open(os.path.join(outdir, 'client-%d.ldif' % c), 'w')
		 for c in range(clients)]
	own = [[j for j in range(n) if j % clients == c] for c in range(clients)]

	def add(f, j):
		f.write('dn: cn=c-%d,%s\nchangetype: add\nobjectClass: tsCertificate\n'
			'cn: c-%d\nuserCertificate;binary:< file://%s/c-%d.der\n\n'
			% (j, base, j, certdir, j))

	def change(f, j):
		dn = 'cn=c-%d,%s' % (j, base)
		k = j % 5
		if k == 1:
			f.write('dn: %s\nchangetype: modify\nreplace: userCertificate;binary\n'
				'userCertificate;binary:< file://%s/r-%d.der\n-\n\n'
				% (dn, certdir, j))
			expected.append(('c-%d' % j, sha('%s/r-%d.der' % (certdir, j)), '-'))
		elif k == 2:
			f.write('dn: %s\nchangetype: modrdn\nnewrdn: cn=rn-%d\n'
				'deleteoldrdn: 1\n\n' % (dn, j))
			expected.append(('rn-%d' % j, sha('%s/c-%d.der' % (certdir, j)), '-'))
		elif k == 3:
			f.write('dn: %s\nchangetype: delete\n\n' % dn)
		elif k == 4:
			f.write('dn: %s\nchangetype: modify\nadd: description\n'
				'description: first\n-\nreplace: description\n'
				'description: touched-%d\n-\n\n' % (dn, j))
			expected.append(('c-%d' % j, sha('%s/c-%d.der' % (certdir, j)),
					 'touched-%d' % j))
		else:
			expected.append(('c-%d' % j, sha('%s/c-%d.der' % (certdir, j)), '-'))

	for c, f in enumerate(files):
		js = own[c]
		for i, j in enumerate(js):
			add(f, j)
			if i >= LAG:
				change(f, js[i - LAG])
		for j in js[max(0, len(js) - LAG):]:
			change(f, j)
		f.close()
	with open(os.path.join(outdir, 'expected'), 'w') as f:
		for e in sorted(expected):
			f.write('%s %s %s\n' % e)


def parse(path):
	out = []
	for block in open(path, 'rb').read().split(b'\n\n'):
		e = {}
		for line in block.split(b'\n'):
			k, _, v = line.partition(b':')
			if v.startswith(b':'):
				v = base64.b64decode(v[1:].strip())
			else:
				v = v.strip()
			e.setdefault(k.decode().lower(), []).append(v)
		if 'usercertificate;binary' in e:
			out.append(e)
	return out


def state(path):
	rows = []
	for e in parse(path):
		rows.append((e['cn'][0].decode(),
			     hashlib.sha256(e['usercertificate;binary'][0]).hexdigest(),
			     e.get('description', [b'-'])[-1].decode()))
	return rows


def dups(rows):
	seen = {}
	for alias, fp, _ in rows:
		seen.setdefault(fp, []).append(alias)
	return {fp: a for fp, a in seen.items() if len(a) > 1}


def main(argv):
	if argv[1] == 'plan':
		plan(argv[2], argv[3], int(argv[4]), int(argv[5]), argv[6])
		return 0
	rows = state(argv[2])
	bad = 0
	d = dups(rows)
	for fp, aliases in sorted(d.items()):
		print('duplicate: %s under %s' % (fp[:16], ' '.join(sorted(aliases))))
		bad += 1
	if argv[1] == 'dups':
		print('%d entries, %d certificates stored more than once' % (len(rows), len(d)))
		return 1 if bad else 0
	want = set(tuple(l.split()) for l in open(argv[3]))
	got = set(rows)
	for r in sorted(want - got)[:20]:
		print('missing or wrong: %s %s %s' % r)
	for r in sorted(got - want)[:20]:
		print('unexpected: %s %s %s' % r)
	bad += len(want ^ got)
	print('%d entries expected, %d found, %d differences'
	      % (len(want), len(got), len(want ^ got)))
	return 1 if bad else 0


if __name__ == '__main__':
	sys.exit(main(sys.argv))
