"""Attachment names, types and the content-addressed store."""

import hashlib
import io

import pytest

from cases.files import AttachmentStore, check_allowed, safe_filename, sniff_content_type
from servicekit import errors

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


@pytest.mark.parametrize(("given", "kept"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\x\\Rapport æøå.pdf", "Rapport æøå.pdf"),
    ('a<b>c:"d|e?f*.txt', "a_b_c__d_e_f_.txt"),
    (".htaccess", "htaccess"),
    ("", "fil"),
    (None, "fil"),
    ("navn\x00med\nstyretegn.txt", "navn_med_styretegn.txt"),
])
def test_file_names_lose_paths_and_dangerous_characters_but_keep_danish_letters(given, kept):
    assert safe_filename(given) == kept


def test_very_long_names_are_cut_but_keep_their_extension():
    name = safe_filename("x" * 500 + ".docx")
    assert len(name) <= 201
    assert name.endswith(".docx")


def test_the_type_comes_from_the_bytes_not_from_the_name():
    assert sniff_content_type(PNG, "billede.pdf") == "image/png"
    assert sniff_content_type(b"%PDF-1.7\n1 0 obj\n", "x.bin") == "application/pdf"


@pytest.mark.parametrize("markup", [
    b"<!DOCTYPE html><script>alert(1)</script>",
    b"  <html><body onload=alert(1)>",
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    b'<?xml version="1.0"?><x/>',
])
def test_anything_a_browser_could_run_is_served_as_plain_bytes(markup):
    assert sniff_content_type(markup, "side.html") == "application/octet-stream"
    assert sniff_content_type(markup, "noter.txt") == "application/octet-stream"


def test_plain_text_is_text_when_named_so():
    assert sniff_content_type("Hej æøå\nlinje 2".encode(), "noter.txt") == "text/plain"
    assert sniff_content_type(b"a;b\n1;2\n", "tal.csv") == "text/csv"
    assert sniff_content_type(b"\x00\x01\x02binary", "noter.txt") == "application/octet-stream"


@pytest.mark.parametrize(("head", "name"), [
    (b"MZ\x90\x00", "setup.pdf"), (b"\x7fELF\x02", "x"), (b"#!/bin/sh\nrm -rf /", "run"),
    (b"harmless", "virus.exe"), (b"harmless", "script.JS"),
])
def test_programs_are_refused_by_name_or_by_their_first_bytes(head, name):
    with pytest.raises(errors.UnsupportedMediaType):
        check_allowed(head, name)


def test_the_store_keeps_the_same_content_once_under_its_sha256(tmp_path):
    store = AttachmentStore(tmp_path, max_bytes=1000)
    first = store.save_stream(io.BytesIO(b"indhold"))
    second = store.save_stream(io.BytesIO(b"indhold"))
    assert first.sha256 == second.sha256 == hashlib.sha256(b"indhold").hexdigest()
    assert store.path_of(first.sha256).read_bytes() == b"indhold"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [first.sha256]


def test_a_discarded_file_goes_unless_it_was_not_new_or_was_stored_again_since(tmp_path):
    store = AttachmentStore(tmp_path, max_bytes=1000)
    alone = store.save_stream(io.BytesIO(b"alene"))
    store.discard(alone)
    assert not store.path_of(alone.sha256).exists()
    first = store.save_stream(io.BytesIO(b"delt"))
    again = store.save_stream(io.BytesIO(b"delt"))
    assert (first.created, again.created) == (True, False)
    store.discard(again)
    store.discard(first)
    assert store.path_of(first.sha256).read_bytes() == b"delt"


def test_a_file_past_the_limit_is_refused_and_nothing_is_left_behind(tmp_path):
    store = AttachmentStore(tmp_path, max_bytes=10)
    with pytest.raises(errors.PayloadTooLarge):
        store.save_chunks([b"123456", b"78901"])
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_path_is_only_made_from_a_real_digest(tmp_path):
    with pytest.raises(ValueError):
        AttachmentStore(tmp_path, 10).path_of("../../etc/passwd")
