// Candidate redirect URIs for the differential check, one per line.
//   node gen_redirect_candidates.mjs             the generated set: valid
//       URIs for Seam's host pattern with one or two hostile edits each
//       (backslash, '@', %2e, %40, tabs, unicode dots, uppercase, ports,
//       IDN...), deterministic
//   node gen_redirect_candidates.mjs --files DIR...   every file of the
//       corpus directories, raw bytes, split on '\n'
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const out = [];

function emitFiles(dirs) {
    const chunks = [];
    for (const dir of dirs) {
        let names;
        try {
            names = readdirSync(dir).sort();
        } catch {
            continue;       // a corpus that was not grown yet
        }
        for (const name of names) {
            const path = join(dir, name);
            if (!statSync(path).isFile()) continue;
            const bytes = readFileSync(path);
            chunks.push(bytes, Buffer.from('\n'));
        }
    }
    process.stdout.write(Buffer.concat(chunks));
}

if (process.argv[2] === '--files') {
    emitFiles(process.argv.slice(3));
} else {
    generate();
    process.stdout.write(out.join('\n') + '\n');
}

function generate() {
    const bases = [
        'https://acme.integrations.getseam.com/cb',
        'https://a.b-c.integrations.getseam.com/oauth/callback?state=xyz&x=1',
        'https://x1.integrations.getseam.com',
        'https://acme.integrations.getseam.com/?q=a',
        'https://integrations.getseam.com/cb',
    ];
    const tokens = [
        '\\', '@', '%2e', '%2E', '%40', '%2f', '%2F', '%5c', '%252f', '%2e%2e',
        '\t', '\r', ' ', '\x00', '\x0b', '\x7f', '%00', '%20', '%',
        '\u3002', '\uff0e', '\uff61',                 // unicode full stops
        '\u0435', '\uff45', '\u00e9', '\u212a', '\u0130', '\u00df',
        '\u200b', '\ufeff', '\u2044', '\u2215', '\uff0f', '\u00ad',
        'xn--', 'xn--80ak6aa92e.', 'xn--e1a.',
        '.', '..', '/', '//', '/..', '/.', '/%2e%2e/', '?', '#', ';', '&',
        '=', '[', ']', ':', ':443', ':8443', ':0', ':65536', ':@',
        '@evil.example', 'evil.example', '.evil.example', 'evil.example@',
        'A', 'INTEGRATIONS', '*', '*.', '-', '_', '~', "'", '"', '<', '^',
        '|', '`', '{', '}',
    ];
    const seen = new Set();
    const add = (s) => {
        if (s.includes('\n') || seen.has(s)) return;
        seen.add(s);
        out.push(s);
    };

    // the few sharpest tokens at every position of the scheme and the
    // authority, every token at the boundaries (after the scheme, around
    // each dot, '/', '?', and at the end)
    const sharp = ['\\', '@', '%2e', '%40', '\t', '\u3002', ' ', '#', ':',
                   '/', 'A'];
    for (const base of bases) {
        add(base);
        const authEnd = base.indexOf('/', 8) < 0 ? base.length
                                                 : base.indexOf('/', 8);
        for (let pos = 0; pos <= authEnd; pos++) {
            for (const t of sharp) {
                add(base.slice(0, pos) + t + base.slice(pos));
            }
        }
        const boundaries = new Set([0, 5, 6, 7, 8, authEnd, authEnd + 1,
                                    base.length]);
        for (let i = 0; i < base.length; i++) {
            if ('./?&='.includes(base[i])) {
                boundaries.add(i);
                boundaries.add(i + 1);
            }
        }
        for (const pos of boundaries) {
            if (pos > base.length) continue;
            for (const t of tokens) {
                add(base.slice(0, pos) + t + base.slice(pos));
            }
        }
        // each dot of the host swapped for a look-alike, each letter
        // upper-cased on its own, then the whole host
        for (let i = 8; i < authEnd; i++) {
            if (base[i] === '.') {
                for (const d of ['\u3002', '\uff0e', '\uff61', '%2e', '..']) {
                    add(base.slice(0, i) + d + base.slice(i + 1));
                }
            } else if (/[a-z]/.test(base[i])) {
                add(base.slice(0, i) + base[i].toUpperCase()
                    + base.slice(i + 1));
            }
        }
        add(base.slice(0, 8) + base.slice(8, authEnd).toUpperCase()
            + base.slice(authEnd));
        add('HTTPS' + base.slice(5));
        add(base.replace('https://', 'https:/'));
        add(base.replace('https://', 'https:\\\\'));
        add(base.replace('https://', 'https:///'));
        add(base.replace('https://', '//'));
        add(base.replace('https://', ' https://'));
        add(base.replace('https://', 'http://'));
        add(base + '#');
        add(base + '#frag');
    }

    // IDN and homographs of the suffix
    for (const host of [
        'acme.integrations.getsеam.com',          // Cyrillic е
        'acme.integrations.xn--getsam-6fg.com',
        'acme.xn--ntegrations-zbb.getseam.com',
        'xn--acm-fla.integrations.getseam.com',
        'ａcme.integrations.getseam.com',
        'acme.integrations.getseam.com\u3002',
        'acme.integrations.getseam.com.',
        'acme..integrations.getseam.com',
        '-acme.integrations.getseam.com',
        'acme-.integrations.getseam.com',
        'a'.repeat(64) + '.integrations.getseam.com',
        '127.0.0.1.integrations.getseam.com',
        '[::1].integrations.getseam.com',
        'acme.integrations.getseam.com%2F@evil.example',
        'evil.example\\@acme.integrations.getseam.com',
        'acme.integrations.getseam.com\\.evil.example',
        'acme.integrations.getseam.com@evil.example',
        'user:pass@acme.integrations.getseam.com',
        '@acme.integrations.getseam.com',
    ]) {
        add(`https://${host}/cb`);
        add(`https://${host}`);
    }

    // two or three random edits of a random base (seeded: the same lines
    // on every run)
    let seed = 0x5ea4;
    const rand = (n) => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
    };
    for (let k = 0; k < 1500; k++) {
        let s = bases[rand(bases.length)];
        const edits = 2 + rand(2);
        for (let e = 0; e < edits; e++) {
            const pos = rand(s.length + 1);
            const t = tokens[rand(tokens.length)];
            s = rand(3) === 0 ? s.slice(0, pos) + t + s.slice(pos + 1)
                              : s.slice(0, pos) + t + s.slice(pos);
        }
        add(s);
    }
}
