package media

import "math"

// DTMFConfig tunes a DTMFDetector. The zero value gives the defaults, which meet the
// ITU-T Q.24 receiver figures used in this project (the "AT&T baseline"): ±1.5 %
// frequency error accepted and ±3.5 % rejected, 40 ms tones accepted and tones
// shorter than 23 ms rejected, normal twist up to 8 dB and reverse twist up to
// 4 dB accepted, tones down to -26 dBm0 each accepted, S/N of 15 dB tolerated. A
// negative or zero field takes its default.
type DTMFConfig struct {
	// MinLevel is the weakest tone accepted, per frequency, in dBm0.
	// Zero means -36 dBm0 (10 dB below the -26 dBm0 that must be detected).
	MinLevel float64

	// Twist is how many dB the low-group (row) tone may be stronger than the
	// high-group (column) tone. Zero means 9 dB: 8 dB must be accepted, and the
	// extra dB absorbs measurement error.
	Twist float64

	// ReverseTwist is how many dB the high-group tone may be stronger than the
	// low-group tone. Zero means 5 dB (4 dB must be accepted).
	ReverseTwist float64

	// MaxDeviation is the largest accepted frequency error of either tone, as a
	// fraction of its nominal frequency. Zero means 0.025, halfway between the 1.5 %
	// that must be accepted and the 3.5 % that must be rejected. Values above 0.06
	// are clamped to 0.06.
	MaxDeviation float64

	// MinToneShare is the share of the signal energy (after the dial-tone notch)
	// that the two tones must carry; it is the main guard against talk-off on
	// speech and music. Zero means 0.8. Values above 0.99 are clamped to 0.99.
	MinToneShare float64
}

// DTMFDetector finds DTMF digits in a stream of frames. Create one per leg with
// NewDTMFDetector and feed it every received frame, in order, through Process.
//
// # How it works
//
// The input first passes a double notch at 425 and 450 Hz so that China's dial
// tone (and the stutter dial tone) under the digits neither masks them nor leaks
// into the 697 Hz filter. The detector then correlates every 5 ms block (40
// samples) with the eight DTMF frequencies and combines three consecutive blocks
// into a 15 ms analysis window, giving one decision every 5 ms. A window names a key
// only when, for the strongest row tone and the strongest column tone:
//
//   - each beats the other tones of its group by 8 dB,
//   - each one's frequency, measured from its phase advance between consecutive
//     windows, lies within MaxDeviation of nominal,
//   - each is at least MinLevel,
//   - their ratio lies within Twist and ReverseTwist, and
//   - together they carry MinToneShare of the window's energy.
//
// A digit is declared, and reported once, after five consecutive windows name the
// same key, so tones shorter than about 30 ms (29 to 36, depending on alignment)
// never count. It ends after six consecutive windows that do not name it, so a
// dropout of 10 ms does not report the digit twice, while pauses from about 22 ms
// up (40 ms are required) separate two presses of the same key.
//
// A quiet frame, whose samples all stay 12 dB under the peak of a tone at
// MinLevel (±90 at the default -36 dBm0), is not analysed when the frame before
// it was quiet too: every window ending in it spans quiet blocks only, whose
// power at any tone frequency is at most a quarter of MinLevel's, so the detector
// only counts its four windows as naming none. Silence, the bulk of a caller's
// audio, costs a scan of its samples.
//
// A DTMFDetector is not safe for concurrent use. It does not allocate after
// NewDTMFDetector.
type DTMFDetector struct {
	// Limits derived from the config.
	minPower  float64 // per tone, normalised (full scale = 1) and corrected for the notch
	twist     float64 // power ratio row/column
	reverse   float64 // power ratio column/row
	minShare  float64
	quietPeak int16              // a frame within ±quietPeak is quiet: 12 dB under MinLevel's tone
	cosMaxDev [dtmfTones]float64 // cosine of the largest accepted phase slip per block

	notch [2]biquad

	// Block being accumulated.
	pos    int
	accRe  [dtmfTones]float64
	accIm  [dtmfTones]float64
	energy float64

	// The last dtmfSpan blocks, oldest first once full.
	blocks  [dtmfSpan][dtmfTones]complex128
	blockE  [dtmfSpan]float64
	nblocks int

	prev     [dtmfTones]complex128 // window results one block earlier
	havePrev bool

	// Decision state.
	cand       byte // key named by the latest windows
	run        int  // how many consecutive windows named cand
	active     byte // declared key, 0 when none
	miss       int  // consecutive windows not naming active
	quiet      bool // the last frame was within ±quietPeak
	analyseAll bool // never skip quiet frames (tests compare with and without)

	buf [FrameSamples]float64
}

const (
	dtmfTones      = 8
	dtmfBlock      = 40                   // samples per block (5 ms)
	dtmfSpan       = 3                    // blocks per analysis window
	dtmfWindow     = dtmfBlock * dtmfSpan // 120 samples, 15 ms, bins 66.7 Hz apart
	dtmfOnWindows  = 5                    // consecutive windows that declare a digit
	dtmfOffWindows = 6                    // consecutive windows that end it
	dtmfPeakRatio  = 6.309573444801933    // 8 dB: tone over the rest of its group
	fullScaleDBm0  = 3.17                 // level of a full-scale sine
	dtmfNotchR     = 0.93                 // pole radius of the dial-tone notches
	maxDeviation   = 0.06                 // keeps the phase slip below π
	sampleScale    = 1.0 / 32768          // int16 to full scale
	// quietPeak bounds the samples of a frame too quiet to analyse: -48 dBm0
	// at its peak, 12 dB under the lowest MinLevel (-36 dBm0 a tone). A window
	// of such samples, even all of one tone's phase and through the notches'
	// gain, carries under a quarter of that level's power.
	quietPeak    = 64
	dtmfTwoOverW = 2.0 / float64(dtmfWindow) // window correlation to tone energy
)

// dtmfFreqs lists the row (low group) then column (high group) frequencies.
var dtmfFreqs = [dtmfTones]float64{697, 770, 852, 941, 1209, 1336, 1477, 1633}

// dtmfKeypad maps row and column to the key.
var dtmfKeypad = [4][4]byte{
	{'1', '2', '3', 'A'},
	{'4', '5', '6', 'B'},
	{'7', '8', '9', 'C'},
	{'*', '0', '#', 'D'},
}

// dtmfTab holds constant tables derived from dtmfFreqs.
var dtmfTab = newDTMFTables()

type dtmfTables struct {
	cos, sin  [dtmfTones][dtmfBlock]float64 // correlators for one block
	rot, rot2 [dtmfTones]complex128         // phase of block 1 and 2 relative to block 0
	gain      [dtmfTones]float64            // 1 / notch power gain at each tone
}

func newDTMFTables() *dtmfTables {
	t := new(dtmfTables)
	for i, f := range dtmfFreqs {
		w := 2 * math.Pi * f / SampleRate
		for n := range dtmfBlock {
			t.sin[i][n], t.cos[i][n] = math.Sincos(w * float64(n))
		}
		s, c := math.Sincos(w * dtmfBlock)
		t.rot[i] = complex(c, -s)
		t.rot2[i] = t.rot[i] * t.rot[i]
		g := 1.0
		for _, nf := range dialToneNotches {
			g *= notchPowerGain(nf, dtmfNotchR, f)
		}
		t.gain[i] = 1 / g
	}
	return t
}

// dialToneNotches are China's dial tone and the second tone of its stutter dial tone.
var dialToneNotches = [2]float64{450, 425}

// biquad is a second-order IIR section in direct form I.
type biquad struct {
	b1, a1, a2     float64 // b0 = b2 = 1
	x1, x2, y1, y2 float64
}

func newNotch(f, r float64) biquad {
	c := math.Cos(2 * math.Pi * f / SampleRate)
	return biquad{b1: -2 * c, a1: -2 * r * c, a2: r * r}
}

func notchPowerGain(f0, r, f float64) float64 {
	c0 := math.Cos(2 * math.Pi * f0 / SampleRate)
	s, c := math.Sincos(2 * math.Pi * f / SampleRate)
	z := complex(c, -s) // z^-1
	num := 1 - complex(2*c0, 0)*z + z*z
	den := 1 - complex(2*r*c0, 0)*z + complex(r*r, 0)*z*z
	m := num / den
	return real(m)*real(m) + imag(m)*imag(m)
}

// NewDTMFDetector returns a detector for one leg, tuned by cfg (zero = defaults).
func NewDTMFDetector(cfg DTMFConfig) *DTMFDetector {
	if cfg.MinLevel == 0 {
		cfg.MinLevel = -36
	}
	if cfg.Twist <= 0 {
		cfg.Twist = 9
	}
	if cfg.ReverseTwist <= 0 {
		cfg.ReverseTwist = 5
	}
	if cfg.MaxDeviation <= 0 {
		cfg.MaxDeviation = 0.025
	}
	cfg.MaxDeviation = min(cfg.MaxDeviation, maxDeviation)
	if cfg.MinToneShare <= 0 {
		cfg.MinToneShare = 0.8
	}
	cfg.MinToneShare = min(cfg.MinToneShare, 0.99)

	amp := math.Pow(10, (cfg.MinLevel-fullScaleDBm0)/20)
	d := &DTMFDetector{
		minPower:  amp * amp / 2,
		quietPeak: int16(min(amp/sampleScale/4, math.MaxInt16)),
		twist:     math.Pow(10, cfg.Twist/10),
		reverse:   math.Pow(10, cfg.ReverseTwist/10),
		minShare:  cfg.MinToneShare,
	}
	for i, f := range dtmfFreqs {
		d.cosMaxDev[i] = math.Cos(2 * math.Pi * cfg.MaxDeviation * f * dtmfBlock / SampleRate)
	}
	for i, f := range dialToneNotches {
		d.notch[i] = newNotch(f, dtmfNotchR)
	}
	return d
}

// Reset forgets all history, as if the detector were new. Use it when the stream is
// interrupted (hold, re-INVITE to another source).
func (d *DTMFDetector) Reset() {
	d.notch[0].x1, d.notch[0].x2, d.notch[0].y1, d.notch[0].y2 = 0, 0, 0, 0
	d.notch[1].x1, d.notch[1].x2, d.notch[1].y1, d.notch[1].y2 = 0, 0, 0, 0
	d.pos, d.energy, d.nblocks, d.havePrev = 0, 0, 0, false
	d.accRe, d.accIm = [dtmfTones]float64{}, [dtmfTones]float64{}
	d.cand, d.run, d.active, d.miss, d.quiet = 0, 0, 0, 0, false
}

// Process analyses the next frame. It returns the key ('0'-'9', '*', '#', 'A'-'D')
// and true in the frame where a digit is declared, once per key press; otherwise it
// returns 0 and false. The frame that reports a digit ends 32 to 52 ms after its
// tone started.
func (d *DTMFDetector) Process(f *Frame) (key byte, ok bool) {
	quiet := true
	for _, s := range &f.Samples {
		if s > d.quietPeak || s < -d.quietPeak {
			quiet = false
			break
		}
	}
	if quiet && d.quiet {
		// Every window ending in this frame spans this frame and the last
		// one, both quiet: each names no key.
		for range FrameSamples / dtmfBlock {
			d.decide(0)
		}
		return 0, false
	}
	d.quiet = quiet
	// Dial-tone notches, sample by sample, on local copies of the filter state.
	n0, n1 := d.notch[0], d.notch[1]
	for i, s := range &f.Samples {
		x := float64(s) * sampleScale
		y := x + n0.b1*n0.x1 + n0.x2 - n0.a1*n0.y1 - n0.a2*n0.y2
		n0.x2, n0.x1, n0.y2, n0.y1 = n0.x1, x, n0.y1, y
		z := y + n1.b1*n1.x1 + n1.x2 - n1.a1*n1.y1 - n1.a2*n1.y2
		n1.x2, n1.x1, n1.y2, n1.y1 = n1.x1, y, n1.y1, z
		d.buf[i] = z
	}
	n0.flush()
	n1.flush()
	d.notch[0], d.notch[1] = n0, n1

	in := d.buf[:]
	for len(in) > 0 {
		n := min(dtmfBlock-d.pos, len(in))
		chunk := in[:n]
		for t := range dtmfTones {
			c := dtmfTab.cos[t][d.pos : d.pos+n]
			s := dtmfTab.sin[t][d.pos : d.pos+n]
			re, im := d.accRe[t], d.accIm[t]
			for k, x := range chunk {
				re += x * c[k]
				im -= x * s[k]
			}
			d.accRe[t], d.accIm[t] = re, im
		}
		e := d.energy
		for _, x := range chunk {
			e += x * x
		}
		d.energy = e
		d.pos += n
		in = in[n:]
		if d.pos == dtmfBlock {
			if k, declared := d.endBlock(); declared {
				// At most one per frame: a digit must end (dtmfOffWindows, 30 ms)
				// before another is declared.
				key, ok = k, true
			}
		}
	}
	return key, ok
}

// flush zeroes filter state that has decayed to denormals, which are slow.
func (b *biquad) flush() {
	b.x1, b.x2, b.y1, b.y2 = flushTiny(b.x1), flushTiny(b.x2), flushTiny(b.y1), flushTiny(b.y2)
}

func flushTiny(v float64) float64 {
	if math.Abs(v) < 1e-30 {
		return 0
	}
	return v
}

// endBlock files the finished block, evaluates the window ending with it and runs
// the decision state machine.
func (d *DTMFDetector) endBlock() (byte, bool) {
	if d.nblocks == dtmfSpan {
		copy(d.blocks[:], d.blocks[1:])
		copy(d.blockE[:], d.blockE[1:])
		d.nblocks--
	}
	for t := range dtmfTones {
		d.blocks[d.nblocks][t] = complex(d.accRe[t], d.accIm[t])
	}
	d.blockE[d.nblocks] = d.energy
	d.nblocks++
	d.pos, d.energy = 0, 0
	d.accRe, d.accIm = [dtmfTones]float64{}, [dtmfTones]float64{}
	if d.nblocks < dtmfSpan {
		return 0, false
	}
	return d.decide(d.window())
}

// window returns the key the current window names, or 0.
func (d *DTMFDetector) window() byte {
	var y [dtmfTones]complex128
	var p [dtmfTones]float64
	b0, b1, b2 := &d.blocks[0], &d.blocks[1], &d.blocks[2]
	for t := range dtmfTones {
		y[t] = b0[t] + b1[t]*dtmfTab.rot[t] + b2[t]*dtmfTab.rot2[t]
		p[t] = sqAbs(y[t])
	}
	prev := d.prev
	havePrev := d.havePrev
	d.prev, d.havePrev = y, true
	if !havePrev {
		return 0
	}

	row := peak(p[0:4])
	col := 4 + peak(p[4:8])
	for t := range dtmfTones {
		if t != row && t != col && p[t]*dtmfPeakRatio > p[groupPeak(t, row, col)] {
			return 0
		}
	}

	er, okr := d.toneEnergy(row, y[row], prev[row])
	ec, okc := d.toneEnergy(col, y[col], prev[col])
	if !okr || !okc {
		return 0
	}
	total := d.blockE[0] + d.blockE[1] + d.blockE[2]
	if er+ec < d.minShare*total {
		return 0
	}
	pr := er * dtmfTab.gain[row] / dtmfWindow
	pc := ec * dtmfTab.gain[col] / dtmfWindow
	if pr < d.minPower || pc < d.minPower || pr > d.twist*pc || pc > d.reverse*pr {
		return 0
	}
	return dtmfKeypad[row][col-4]
}

// toneEnergy checks the frequency of tone t from the phase advance of its window
// correlation since the previous window and, when it is close enough to nominal,
// returns the tone's energy in the window, measured at the estimated frequency.
func (d *DTMFDetector) toneEnergy(t int, y, prev complex128) (float64, bool) {
	z := y * complex(real(prev), -imag(prev)) * dtmfTab.rot[t]
	m := math.Sqrt(sqAbs(z))
	if m == 0 || real(z) < m*d.cosMaxDev[t] {
		return 0, false
	}
	// Re-sum the blocks rotating by the measured frequency rather than the nominal.
	r := dtmfTab.rot[t] * complex(real(z)/m, -imag(z)/m)
	yc := d.blocks[0][t] + (d.blocks[1][t]+d.blocks[2][t]*r)*r
	return dtmfTwoOverW * sqAbs(yc), true
}

// decide feeds one window's verdict to the state machine and reports a declaration.
func (d *DTMFDetector) decide(key byte) (byte, bool) {
	switch {
	case key == 0:
		d.cand, d.run = 0, 0
	case key == d.cand:
		d.run++
	default:
		d.cand, d.run = key, 1
	}
	if d.active != 0 {
		if key == d.active {
			d.miss = 0
			return 0, false
		}
		if d.miss++; d.miss < dtmfOffWindows {
			return 0, false
		}
		d.active = 0
	}
	if d.cand != 0 && d.run >= dtmfOnWindows {
		d.active, d.miss = d.cand, 0
		return d.active, true
	}
	return 0, false
}

func sqAbs(z complex128) float64 { return real(z)*real(z) + imag(z)*imag(z) }

func peak(p []float64) int {
	best := 0
	for i := 1; i < len(p); i++ {
		if p[i] > p[best] {
			best = i
		}
	}
	return best
}

// groupPeak returns the chosen tone of t's group.
func groupPeak(t, row, col int) int {
	if t < 4 {
		return row
	}
	return col
}
