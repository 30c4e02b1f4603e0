#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| neptun_fuzz::checks::path(data));
