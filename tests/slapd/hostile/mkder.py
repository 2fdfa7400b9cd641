#!/usr/bin/env python3
# mkder.py - build X.509 certificates byte by byte for the hostile tests
#
# The openssl command line refuses to make most of what the hostile suite
# needs (a NUL inside a name, invalid UTF-8, a negative serial, 5000
# alternative names, a 1 MiB extension), so this writes the DER itself and
# signs it with textbook RSA (PKCS#1 v1.5, SHA-256) using a key made by
# `openssl genpkey`.  Python standard library only.
#
#   mkder.py cert KEY.der OUT.der [options]     one certificate
#   mkder.py bulk KEY.der OUTDIR PREFIX N [FIRST [SUBJECTKEY.der]]
#                                              N certificates OUTDIR/PREFIX-i.der
#   mkder.py wrap KIND IN.der OUT.der          seq|octet|trail|truncate|
#                                              innerlen|badint|badkey
#
# cert options:
#   --cn TEXT            subject and issuer CN (UTF8String), \xNN escapes
#   --cn-tag TAG         utf8|printable|ia5|bmp|t61 (default utf8)
#   --serial N           decimal, may be negative or zero
#   --not-before T       YYYYMMDDHHMMSSZ (UTCTime for 1950..2049, else
#   --not-after T        GeneralizedTime, as RFC 5280 says)
#   --san-count N        N dNSName alternative names
#   --big-ext BYTES      a non-critical private extension of BYTES bytes
#   --ca                 basicConstraints CA:TRUE
import datetime
import hashlib
import os
import sys


def der_len(n):
	if n < 0x80:
		return bytes([n])
	b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
	return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
	return bytes([tag]) + der_len(len(content)) + content


def seq(*items):
	return tlv(0x30, b''.join(items))


def set_(*items):
	return tlv(0x31, b''.join(sorted(items)))


def integer(n):
	# minimal two's complement, as DER wants, negative numbers included
	length = (n if n >= 0 else ~n).bit_length() // 8 + 1
	return tlv(0x02, n.to_bytes(length, 'big', signed=True))


def oid(dotted):
	parts = [int(x) for x in dotted.split('.')]
	out = bytes([parts[0] * 40 + parts[1]])
	for p in parts[2:]:
		chunk = [p & 0x7f]
		p >>= 7
		while p:
			chunk.insert(0, 0x80 | (p & 0x7f))
			p >>= 7
		out += bytes(chunk)
	return tlv(0x06, out)


def null():
	return b'\x05\x00'


def bitstring(data):
	return tlv(0x03, b'\x00' + data)


def octets(data):
	return tlv(0x04, data)


def gentime(text):
	# RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime otherwise
	year = int(text[:4])
	if 1950 <= year <= 2049:
		return tlv(0x17, text[2:].encode())
	return tlv(0x18, text.encode())


def parse_der(data, pos=0):
	"""(tag, content start, content end) of the element at pos"""
	tag = data[pos]
	n = data[pos + 1]
	pos += 2
	if n & 0x80:
		k = n & 0x7f
		n = int.from_bytes(data[pos:pos + k], 'big')
		pos += k
	return tag, pos, pos + n


def children(data, start, end):
	out = []
	while start < end:
		tag, s, e = parse_der(data, start)
		out.append((tag, s, e))
		start = e
	return out


def children_hdr(data, start, end):
	"""(header start, end) of each element between start and end"""
	out = []
	while start < end:
		_, _, e = parse_der(data, start)
		out.append((start, e))
		start = e
	return out


def load_rsa(path):
	"""n, e, d, p, q from a PKCS#1 or PKCS#8 DER RSA private key"""
	data = open(path, 'rb').read()
	_, s, e = parse_der(data)
	items = children(data, s, e)
	if items[1][0] == 0x30:			# PKCS#8: OCTET STRING holds PKCS#1
		_, s, e = parse_der(data, items[2][1])
	nums = [int.from_bytes(data[a:b], 'big', signed=True)
		for (_, a, b) in children(data, s, e)]
	return {'n': nums[1], 'e': nums[2], 'd': nums[3], 'p': nums[4],
		'q': nums[5], 'dp': nums[6], 'dq': nums[7], 'qi': nums[8]}


SHA256_PREFIX = bytes.fromhex('3031300d060960864801650304020105000420')


def rsa_sign(key, msg):
	k = (key['n'].bit_length() + 7) // 8
	t = SHA256_PREFIX + hashlib.sha256(msg).digest()
	em = b'\x00\x01' + b'\xff' * (k - len(t) - 3) + b'\x00' + t
	m = int.from_bytes(em, 'big')
	# CRT: four times faster than pow(m, d, n) for bulk generation
	m1 = pow(m, key['dp'], key['p'])
	m2 = pow(m, key['dq'], key['q'])
	h = (key['qi'] * (m1 - m2)) % key['p']
	return (m2 + h * key['q']).to_bytes(k, 'big')


def spki(key):
	if 'spki' in key:
		return key['spki']
	pub = seq(integer(key['n']), integer(key['e']))
	key['spki'] = seq(seq(oid('1.2.840.113549.1.1.1'), null()), bitstring(pub))
	return key['spki']


NAME_TAGS = {'utf8': 0x0c, 'printable': 0x13, 'ia5': 0x16, 'bmp': 0x1e,
	     't61': 0x14}


def name_cn(value, tag=0x0c):
	return seq(set_(seq(oid('2.5.4.3'), tlv(tag, value))))


def extension(ext_oid, value, critical=False):
	parts = [oid(ext_oid)]
	if critical:
		parts.append(b'\x01\x01\xff')
	parts.append(octets(value))
	return seq(*parts)


def build_cert(key, cn, cn_tag=0x0c, serial=None, not_before=None,
	       not_after=None, san_count=0, big_ext=0, ca=False,
	       subject_key=None, issuer_cn=None):
	now = datetime.datetime.now(datetime.timezone.utc)
	if not_before is None:
		not_before = (now - datetime.timedelta(days=1)).strftime('%Y%m%d%H%M%SZ')
	if not_after is None:
		not_after = (now + datetime.timedelta(days=365)).strftime('%Y%m%d%H%M%SZ')
	if serial is None:
		serial = int.from_bytes(os.urandom(16), 'big') >> 1
	sigalg = seq(oid('1.2.840.113549.1.1.11'), null())
	name = name_cn(cn, cn_tag)
	exts = []
	if ca:
		exts.append(extension('2.5.29.19', seq(b'\x01\x01\xff'), True))
	if san_count:
		names = b''.join(tlv(0x82, ('host-%05d.example.com' % i).encode())
				 for i in range(san_count))
		exts.append(extension('2.5.29.17', tlv(0x30, names)))
	if big_ext:
		# a private OID under the project's arc: nobody interprets it
		exts.append(extension('2.25.795975447174873381349700427275764363.99.1',
				      octets(b'A' * big_ext)))
	issuer = name_cn(issuer_cn) if issuer_cn else name
	tbs = [tlv(0xa0, integer(2)), integer(serial), sigalg, issuer,
	       seq(gentime(not_before), gentime(not_after)), name,
	       spki(subject_key or key)]
	if exts:
		tbs.append(tlv(0xa3, seq(*exts)))
	tbs = seq(*tbs)
	return seq(tbs, sigalg, bitstring(rsa_sign(key, tbs)))


def unescape(text):
	# "\xNN" escapes let the shell pass NUL and invalid UTF-8
	out = bytearray()
	raw = text.encode('utf-8', 'surrogateescape')
	i = 0
	while i < len(raw):
		if raw[i:i + 2] == b'\\x' and i + 4 <= len(raw):
			out.append(int(raw[i + 2:i + 4], 16))
			i += 4
		else:
			out.append(raw[i])
			i += 1
	return bytes(out)


def wrap(kind, der):
	_, s, e = parse_der(der)
	if kind == 'seq':		# a certificate inside an extra SEQUENCE
		return seq(der)
	if kind == 'octet':		# inside an OCTET STRING
		return octets(der)
	if kind == 'trail':		# valid DER, then bytes that are not
		return der + b'\x00\x00'
	if kind == 'trailder':		# valid DER, then a second DER element
		return der + integer(1)
	if kind == 'truncate':		# cut in the middle of the signature
		return der[:len(der) - 40]
	if kind == 'innertrail':	# outer SEQUENCE stretched over junk
		body = der[s:e] + b'\x05\x00'
		return tlv(0x30, body)
	_, ts, te = parse_der(der, s)
	sig = der[te:e]
	fields = children_hdr(der, ts, te)

	def replace(idx, elem):
		a, b = fields[idx]
		return seq(tlv(0x30, der[ts:a] + elem + der[b:te]), sig)
	if kind == 'badint':
		# serial INTEGER with a non-minimal (padded) encoding: slapd's own
		# syntax check skips the serial, OpenSSL must not
		a, b = fields[1]
		_, cs, ce = parse_der(der, a)
		return replace(1, tlv(0x02, b'\x00\x00' + der[cs:ce].lstrip(b'\x00')))
	if kind == 'badkey':
		# an RSA SubjectPublicKeyInfo whose key is garbage
		return replace(6, seq(seq(oid('1.2.840.113549.1.1.1'), null()),
				       bitstring(b'\x30\x03\x02\x01')))
	if kind == 'badname':
		# an issuer Name holding a SET of garbage
		return replace(3, seq(b'\x31\x03\xff\xff\xff'))
	raise SystemExit('mkder: unknown wrap kind ' + kind)


def main(argv):
	if len(argv) < 2:
		raise SystemExit(__doc__)
	cmd = argv[1]
	if cmd == 'cert':
		key = load_rsa(argv[2])
		out = argv[3]
		opts = {'cn': b'mkder', 'cn_tag': 0x0c}
		i = 4
		while i < len(argv):
			o = argv[i]
			v = argv[i + 1] if i + 1 < len(argv) else None
			i += 2
			if o == '--cn':
				opts['cn'] = unescape(v)
			elif o == '--cn-tag':
				opts['cn_tag'] = NAME_TAGS[v]
			elif o == '--serial':
				opts['serial'] = int(v)
			elif o == '--not-before':
				opts['not_before'] = v
			elif o == '--not-after':
				opts['not_after'] = v
			elif o == '--san-count':
				opts['san_count'] = int(v)
			elif o == '--big-ext':
				opts['big_ext'] = int(v)
			elif o == '--ca':
				opts['ca'] = True
				i -= 1
			else:
				raise SystemExit('mkder: unknown option ' + o)
		if opts['cn_tag'] == 0x1e:
			opts['cn'] = opts['cn'].decode('utf-8').encode('utf-16-be')
		der = build_cert(key, **opts)
		open(out, 'wb').write(der)
	elif cmd == 'bulk':
		key = load_rsa(argv[2])
		outdir, prefix, n = argv[3], argv[4], int(argv[5])
		first = int(argv[6]) if len(argv) > 6 else 0
		# with a SUBJECTKEY, KEY acts as an issuer (a 1024-bit one signs
		# six times faster) and the certificates carry SUBJECTKEY
		subject = load_rsa(argv[7]) if len(argv) > 7 else None
		issuer = (prefix + '-issuer').encode() if subject else None
		os.makedirs(outdir, exist_ok=True)
		for i in range(first, first + n):
			der = build_cert(key, ('%s-%d' % (prefix, i)).encode(),
					 subject_key=subject, issuer_cn=issuer)
			with open(os.path.join(outdir, '%s-%d.der' % (prefix, i)), 'wb') as f:
				f.write(der)
	elif cmd == 'wrap':
		der = open(argv[3], 'rb').read()
		open(argv[4], 'wb').write(wrap(argv[2], der))
	else:
		raise SystemExit('mkder: unknown command ' + cmd)


if __name__ == '__main__':
	main(sys.argv)
