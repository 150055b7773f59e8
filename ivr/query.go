package ivr

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"tracecall/ivr/tts"
	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/trace"
)

// entry is how a code entry ended.
type entry int

const (
	entryDone    entry = iota // # or the inter-digit timeout after some digits
	entryTimeout              // nothing keyed in time
	entryBack                 // * on an empty entry: back to the menu
)

// query asks for a trace code and looks it up, with code_tries tries; a found
// chain is read back before the found node runs.
func (r *run) query(ctx context.Context, name string, n Node) (string, error) {
	if err := r.prompt(ctx, n.Prompt, nil, true); err != nil {
		return "", err
	}
	for tries := 0; ; {
		digits, how, err := r.collect(ctx)
		if err != nil {
			return "", err
		}
		switch how {
		case entryBack:
			if n.Back != "" {
				return n.Back, nil
			}
			continue
		case entryTimeout:
			if err := r.prompt(ctx, "no_input", nil, true); err != nil {
				return "", err
			}
		case entryDone:
			r.v.deps.Events.Publish(event.DigitsCollected{Base: r.base(), Node: name, Value: digits})
			res, err := r.lookup(ctx, digits)
			if err != nil {
				return "", err
			}
			switch res {
			case lookupFound:
				return n.Found, nil
			case lookupBroken:
				return n.Fail, nil
			}
		}
		tries++
		if tries >= r.v.cfg.CodeTries {
			if err := r.prompt(ctx, "too_many_tries", nil, false); err != nil {
				return "", err
			}
			return n.Fail, nil
		}
		if how == entryTimeout {
			if err := r.prompt(ctx, n.Prompt, nil, true); err != nil {
				return "", err
			}
		}
	}
}

// collect takes keys until #. * clears what was keyed (a second * on an empty
// entry goes back); the first key may take first_digit_timeout, later ones
// inter_digit_timeout, after which what was keyed counts as entered.
func (r *run) collect(ctx context.Context) (string, entry, error) {
	var b strings.Builder
	for {
		timeout := r.v.cfg.InterDigitTimeout
		if b.Len() == 0 {
			timeout = r.v.cfg.FirstDigitTimeout
		}
		d, ok, err := r.key(ctx, timeout)
		if err != nil {
			return "", 0, err
		}
		switch {
		case !ok && b.Len() == 0:
			return "", entryTimeout, nil
		case !ok:
			return b.String(), entryDone, nil
		case d.Key == '#':
			if b.Len() == 0 {
				continue // a stray # before any digit is ignored
			}
			return b.String(), entryDone, nil
		case d.Key == '*':
			if b.Len() == 0 {
				return "", entryBack, nil
			}
			b.Reset()
			r.s.FlushDigits()
			if err := r.prompt(ctx, "code_cleared", nil, true); err != nil {
				return "", 0, err
			}
		default:
			b.WriteByte(d.Key)
		}
	}
}

// lookupResult is what a lookup means for the caller's next step.
type lookupResult int

const (
	lookupRetry  lookupResult = iota // malformed or unknown: try again
	lookupFound                      // read back
	lookupBroken                     // the store failed: no point in trying again
)

// lookup validates and looks up a keyed code, says what is wrong if anything is,
// and reads the chain when it is found.
func (r *run) lookup(ctx context.Context, digits string) (lookupResult, error) {
	opts := r.v.deps.TraceOptions
	chain, code, err := trace.Lookup(r.v.deps.Chains, digits, trace.KindRetail, opts)
	var cerr *trace.CodeError
	switch {
	case err == nil:
		r.v.deps.Events.Publish(event.TraceLookup{Base: r.base(), Code: code.Value, Result: "found"})
		r.chain = &chain
		return lookupFound, r.readChain(ctx, chain)
	case errors.As(err, &cerr):
		r.v.deps.Events.Publish(event.TraceLookup{Base: r.base(), Code: digits, Result: "invalid", Reason: string(cerr.Reason)})
		vars := map[string]string{"got": strconv.Itoa(len(digits)), "want": strconv.Itoa(opts.RetailMax)}
		name := "bad_code"
		switch cerr.Reason {
		case trace.ReasonTooShort:
			name, vars["want"] = "too_short", strconv.Itoa(opts.RetailMin)
		case trace.ReasonTooLong:
			name = "too_long"
		case trace.ReasonBadCheckDigit:
			name = "bad_check_digit"
		}
		if r.lang == "zh" {
			vars["got"], vars["want"] = zhCount(vars["got"]), zhCount(vars["want"])
		}
		return lookupRetry, r.prompt(ctx, name, vars, true)
	case errors.Is(err, trace.ErrNotFound):
		r.v.deps.Events.Publish(event.TraceLookup{Base: r.base(), Code: code.Value, Result: "not_found"})
		if err := r.prompt(ctx, "entered", map[string]string{"digits": spellGroups(r.lang, digits)}, true); err != nil {
			return lookupRetry, err
		}
		return lookupRetry, r.prompt(ctx, "not_found", nil, true)
	default:
		r.log.Error("trace lookup failed", "err", err)
		r.v.deps.Events.Publish(event.TraceLookup{Base: r.base(), Code: digits, Result: "error", Reason: err.Error()})
		return lookupBroken, r.prompt(ctx, "lookup_failed", nil, false)
	}
}

func zhCount(s string) string {
	n, err := strconv.Atoi(s)
	if err != nil {
		return s
	}
	return zhNumber(n)
}

// phrase is one sentence of a readout: a prompt template and its values.
type phrase struct {
	name string
	vars map[string]string
}

// sayAll says phrases in order, rendering each while the one before plays. A key
// stops it (the key stays for the next menu).
func (r *run) sayAll(ctx context.Context, phrases []phrase) error {
	type rendered struct {
		clip *tts.Clip
		err  error
	}
	texts := make([]string, len(phrases))
	results := make([]chan rendered, len(phrases))
	for i, p := range phrases {
		texts[i] = fill(r.v.cfg.Prompts[r.lang][p.name], p.vars)
		results[i] = make(chan rendered, 1)
	}
	// Render ahead one phrase at a time, in order, off the media path.
	renderCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		for i, p := range phrases {
			var c *tts.Clip
			var err error
			if len(p.vars) == 0 {
				c, err = r.v.deps.Speaker.Prompt(renderCtx, r.lang, p.name, texts[i])
			} else {
				c, err = r.v.deps.Speaker.Say(renderCtx, r.lang, texts[i])
			}
			results[i] <- rendered{c, err}
			if renderCtx.Err() != nil {
				return
			}
		}
	}()
	for i, p := range phrases {
		if r.s.PendingDigits() > 0 {
			return nil // barge-in: the caller already chose
		}
		var got rendered
		select {
		case got = <-results[i]:
		case <-ctx.Done():
			return errHangup
		case <-r.s.Done():
			return errHangup
		}
		r.v.deps.Events.Publish(event.Said{Base: r.base(), Lang: r.lang, Prompt: p.name, Text: texts[i]})
		if got.err != nil {
			if err := r.renderFailed(ctx, got.err); err != nil {
				return err
			}
			continue
		}
		res, err := r.s.Play(ctx, got.clip, true)
		if err != nil {
			return errHangup
		}
		if res == telephony.PlayInterrupted {
			return nil
		}
	}
	return nil
}

// now is when the call is, in the configured zone.
func (r *run) now() time.Time { return time.Now().In(r.v.deps.Location) }
