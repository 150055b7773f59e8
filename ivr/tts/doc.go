// Package tts gives the IVR its voice: text spoken by espeak-ng, or an
// installer's recording in place of a fixed prompt, as 8 kHz clips ready to cut
// into media frames. It runs off the 20 ms media path: the IVR asks for a clip,
// then plays it frame by frame with Clip.Frame, which neither blocks nor allocates.
//
// # Concepts
//
// An Engine turns (language, text) into a Clip with Say. The language ("zh",
// "en") picks an espeak-ng voice from Config.Voices; the text is passed to
// espeak-ng as one argument after "--", never through a shell, so no text can
// become an option or a command. espeak-ng's WAV (22050 Hz, written to a pipe with
// its sizes unset) is decoded, resampled to 8 kHz with media.Resample, trimmed to
// a short margin of silence, and scaled to about -16 dBFS speech level (the RMS
// of the 20 ms frames within 30 dB of the loudest; a 5 ms look-ahead limiter
// holds peaks under -0.5 dBFS) so all spoken prompts sound equally loud.
//
// Mandarin text (language "zh", or any voice whose name starts with "cmn") that
// holds Latin letters, such as "查询追溯码请按1。For English, press 9." or the
// stall number "摊位号B幺二", is spoken in runs: the Latin-script words, with the
// spaces, digits and punctuation between them, by the English voice (language
// "en", at Config.Speeds["en"] or Speed), so "B" is the letter name and not
// pinyin; the rest by the Mandarin voice, with digits written against Han
// characters kept there. Each run is one espeak-ng render (counted in
// Stats.Renders), trimmed and turned down to the level of the quietest; the runs
// are joined by 60 ms of silence, or 150 or 300 ms where a comma or a full stop
// separates them, and the whole is trimmed and levelled once. The result is one
// clip, cached under (language, text) like any other. Text without Latin letters
// is one render, as in any other language.
//
// Prompt serves fixed prompts by name. An installer may record any of them and
// drop it in as Config.PromptDir/<lang>/<name>.wav (8-, 16-, 24- or 32-bit PCM or
// 32-bit float, any rate, mono or more channels, which are averaged). The file is
// resampled to 8 kHz but otherwise played as recorded. Without a file, or with
// one that cannot be decoded (which is logged), Prompt speaks its text instead.
// Names and language directories are checked with CheckName.
//
// Warm renders a list of texts in the background at startup.
//
// The IVR depends on the Speaker interface, not on Engine, so its tests can use
// ttstest.Speaker.
//
// # Concurrency
//
// All Engine methods are safe for concurrent use. Rendered clips are kept in an
// LRU of Config.CacheEntries clips keyed by (language, text): a repeated phrase
// is a map lookup and does not allocate. Concurrent Says for a text not yet cached
// share one espeak-ng run. That run belongs to no single caller: a caller whose
// ctx ends gets ctx's error at once, and the run is killed only when no caller is
// left waiting for it. At most Config.Renders espeak-ng processes run at once,
// each for at most 30 seconds. Close kills what is running and waits for the
// Engine's goroutines.
//
// Clips are shared: never modify a Clip or its Samples.
//
// Prompt files are looked at (one stat) at most every two seconds per prompt, so
// a new or replaced recording is picked up within two seconds, without a restart.
//
// # Caveats
//
// espeak-ng 1.51, as shipped by Debian 12 and Ubuntu, has a "cmn" voice that reads
// most Chinese characters as pinyin spelled out in English ("公斤" comes out as
// "gong one jin one"; espeak-ng issue 1236). Engine.Voice checks the configured
// "cmn" once and, if it is faulty, uses "cmn-latn-pinyin", which reads the same
// characters as Mandarin, and logs that it did. Mandarin from espeak-ng is
// intelligible but robotic; record the prompts callers hear most.
//
// Arabic numerals in Chinese text are read as one number, not digit by digit;
// callers that mean digits (trace codes, phone numbers) should space them out or
// write them as characters (幺 for 1 is read as yāo).
//
// The cache bounds clips by count, not size: 2048 clips of about two seconds
// take about 65 MB.
//
// # Testing
//
// Tests that render need espeak-ng and skip, saying so, when exec.LookPath does
// not find it. Code that only needs a Speaker should use ttstest.Speaker, which
// returns tone-and-silence clips whose length grows with the text and records
// every call.
package tts
