"""Images in notes: only the site's own and data: load unless remote images are allowed (issue #8).

An image the page does not load still shows its alt text: a remote one as a
link to it, a relative one (nothing is ever uploaded) with a note saying so.
"""

import time

from django.test import override_settings

from papers.markdown import MAX_TEXT, render_markdown

REL = 'rel="nofollow noopener noreferrer"'


def test_a_remote_image_is_a_link_showing_its_alt_text():
    html = render_markdown("![Figure 3](https://example.org/fig3.png)")
    assert html == (
        f'<p><a href="https://example.org/fig3.png" class="remote-image" {REL}>🖼 Figure 3</a></p>'
    )


def test_a_remote_image_in_html_is_a_link_too():
    html = render_markdown('<img src="http://example.org/pixel.gif" width="0" height="0" alt="">')
    assert html == (
        f'<p><a href="http://example.org/pixel.gif" class="remote-image" {REL}>'
        "🖼 http://example.org/pixel.gif</a></p>"
    )


def test_a_remote_image_without_alt_text_shows_its_title_or_address():
    html = render_markdown('![](https://example.org/a.png "The encoder")')
    assert ">🖼 The encoder</a>" in html


def test_a_protocol_relative_image_is_remote():
    html = render_markdown('<img src="//tracker.example/x.png" alt="x">')
    assert f'<a href="//tracker.example/x.png" class="remote-image" {REL}>🖼 x</a>' in html


def test_a_remote_image_inside_a_link_shows_its_alt_text_without_a_second_link():
    html = render_markdown("[![build](https://ci.example/badge.svg)](https://ci.example)")
    assert html == (
        f'<p><a href="https://ci.example" {REL}>'
        '<span class="remote-image" title="https://ci.example/badge.svg">🖼 build</span></a></p>'
    )


def test_alt_text_and_address_are_escaped():
    html = render_markdown('![<b>"x"</b> & y](https://example.org/a.png?a=1&b=2)')
    assert 'href="https://example.org/a.png?a=1&amp;b=2"' in html
    assert "🖼 &lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp; y</a>" in html
    assert "<b>" not in html


@override_settings(READINGLOG_REMOTE_IMAGES=True)
def test_with_remote_images_allowed_a_remote_image_stays_an_image():
    html = render_markdown("![Figure 3](https://example.org/fig3.png)")
    assert html == '<p><img alt="Figure 3" src="https://example.org/fig3.png"></p>'


def test_a_relative_image_shows_its_alt_text_and_that_it_was_not_uploaded():
    html = render_markdown("![the encoder](figs/a.png)")
    assert html == (
        '<p><span class="missing-image">🖼 the encoder '
        "<small>(image not uploaded: figs/a.png)</small></span></p>"
    )


@override_settings(READINGLOG_REMOTE_IMAGES=True)
def test_a_relative_image_is_never_loaded_even_with_remote_images_allowed():
    html = render_markdown("![](/logout/)")
    assert html == (
        '<p><span class="missing-image">🖼 <small>(image not uploaded: /logout/)</small></span></p>'
    )


def test_a_data_image_stays_an_image():
    html = render_markdown("![dot](data:image/png;base64,iVBORw0KGgo=)")
    assert html == '<p><img alt="dot" src="data:image/png;base64,iVBORw0KGgo="></p>'


def test_data_urls_are_removed_everywhere_else():
    for text in [
        "[page](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="da&#9;ta:text/html,x">page</a>',
        '<a href=" DATA:text/html,x">page</a>',
        '<img src="data:text/html,x" alt="page">',
    ]:
        html = render_markdown(text)
        assert "data:" not in html.lower(), html
        assert "page" in html


def test_a_javascript_image_stays_removed():
    html = render_markdown("![x](javascript:alert(1)) <img src='JaVaScRiPt:alert(1)' alt='y'>")
    assert "javascript" not in html.lower() and "<img" not in html
    assert "🖼 x" in html and "🖼 y" in html


def test_a_text_full_of_images_renders_fast():
    text = ("[![a](https://example.org/x.png)](y) ![b](figs/b.png) " * 1000)[:MAX_TEXT]
    start = time.process_time()  # CPU time, as in test_markdown_pathological.py
    html = render_markdown(text)
    assert time.process_time() - start < 1.0
    assert "<img" not in html and html.count('class="missing-image"') > 900
