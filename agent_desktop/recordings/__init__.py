"""Encrypted call recordings: the file format, the writer fed by the phone, the store in the
vault (key, index, retention, playback). See docs/recording.md."""
