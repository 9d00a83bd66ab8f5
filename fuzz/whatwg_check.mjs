// The other half of the differential check: reads URIs that our redirect
// policy ACCEPTED for https://*.integrations.getseam.com/ (one per line,
// split on '\n' only) and reads each with Node's WHATWG URL parser, the
// one browsers follow. A URI we accept must, read that way, use https,
// carry no username or password and have a hostname ending in
// .integrations.getseam.com; and it must hold no byte that WHATWG strips
// or rewrites (controls, space, '\', non-ASCII), no port and no fragment.
// Every disagreement is printed; any makes the exit status 1.
import { readFileSync } from 'node:fs';

const suffix = '.integrations.getseam.com';
const input = readFileSync(0);
const lines = [];
let start = 0;
for (let i = 0; i < input.length; i++) {
    if (input[i] === 0x0a) {
        lines.push(input.subarray(start, i));
        start = i + 1;
    }
}
if (start < input.length) lines.push(input.subarray(start));

let disagreements = 0;
for (const raw of lines) {
    const text = raw.toString('utf8');
    const why = [];
    let url = null;
    try {
        url = new URL(text);
    } catch (e) {
        why.push(`WHATWG cannot parse it (${e.code || e.message})`);
    }
    if (url) {
        if (url.protocol !== 'https:') why.push(`protocol ${url.protocol}`);
        if (url.username !== '') why.push(`username ${url.username}`);
        if (url.password !== '') why.push(`password ${url.password}`);
        if (!(url.hostname.endsWith(suffix)
              && url.hostname.length > suffix.length)) {
            why.push(`hostname ${url.hostname}`);
        }
        if (url.port !== '') why.push(`port ${url.port}`);
        if (url.hash !== '') why.push(`fragment ${url.hash}`);
    }
    if (raw.some((b) => b <= 0x20 || b >= 0x7f)) {
        why.push('a control, space or non-ASCII byte');
    }
    if (raw.includes(0x5c)) why.push('a backslash (WHATWG reads "/")');
    if (why.length > 0) {
        disagreements++;
        console.log(`DISAGREE ${JSON.stringify(text)}`
                    + ` (hex ${raw.toString('hex')}): ${why.join('; ')}`
                    + (url ? `; WHATWG reads ${url.href}` : ''));
    }
}
console.error(`whatwg_check: ${lines.length} accepted URIs checked, `
              + `${disagreements} disagreement(s)`);
process.exit(disagreements > 0 ? 1 : 0);
