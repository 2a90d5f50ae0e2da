"""Answers of arXiv's query API and Crossref's works API, as the tests replay them.

Written for the tests in the shapes those APIs answer in (an Atom feed, a JSON
"message"); the abstracts are short paraphrases. `answer` serves them to
httpx through respx: `respx_mock.route().mock(side_effect=answer)`.
"""

import httpx
from django.conf import settings

ATTENTION_ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom"
      xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <title type="html">ArXiv Query: id_list=1706.03762</title>
  <id>http://arxiv.org/api/recorded</id>
  <opensearch:totalResults>1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/abs/1706.03762v7</id>
    <updated>2023-08-02T00:41:18Z</updated>
    <published>2017-06-12T17:57:34Z</published>
    <title>Attention Is All
      You Need</title>
    <summary>  A sequence transduction model built on attention alone, with no
      recurrence or convolution, trains faster and translates better than the
      models before it.  &lt;b&gt;Bold&lt;/b&gt; claims <![CDATA[<script>x()</script>]]>
    </summary>
    <author><name>Ashish Vaswani</name></author>
    <author><name>Noam Shazeer</name></author>
    <author><name>Niki Parmar</name></author>
    <arxiv:doi>10.48550/arXiv.1706.03762</arxiv:doi>
    <link href="http://arxiv.org/abs/1706.03762v7" rel="alternate" type="text/html"/>
    <arxiv:primary_category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
</feed>
"""

# arXiv answers an id it does not know with an entry pointing at its error page.
ARXIV_ERROR_ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">ArXiv Query: id_list=9999.99999</title>
  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_9999.99999</id>
    <title>Error</title>
    <summary>incorrect id format for 9999.99999</summary>
  </entry>
</feed>
"""

DEEP_LEARNING_JSON = {
    "status": "ok",
    "message-type": "work",
    "message": {
        "DOI": "10.1038/nature14539",
        "type": "journal-article",
        "title": ["Deep learning"],
        "author": [
            {"given": "Yann", "family": "LeCun", "sequence": "first"},
            {"given": "Yoshua", "family": "Bengio", "sequence": "additional"},
            {"given": "Geoffrey", "family": "Hinton", "sequence": "additional"},
        ],
        "issued": {"date-parts": [[2015, 5, 27]]},
        "container-title": ["Nature"],
        "abstract": "<jats:p>Models made of many processing layers learn "
        "representations of data at several levels of abstraction.</jats:p>",
    },
}


def answer(request):
    """Answer a request of papers/metadata.py as arXiv or Crossref would."""
    url = str(request.url)
    if url.startswith(settings.READINGLOG_ARXIV_API_URL):
        if request.url.params.get("id_list") == "1706.03762":
            return httpx.Response(200, text=ATTENTION_ATOM)
        return httpx.Response(200, text=ARXIV_ERROR_ATOM)
    if url.startswith(settings.READINGLOG_CROSSREF_API_URL):
        if url.lower().endswith("/10.1038/nature14539"):
            return httpx.Response(200, json=DEEP_LEARNING_JSON)
        return httpx.Response(404, text="Resource not found.")
    return httpx.Response(599, text="not recorded")
