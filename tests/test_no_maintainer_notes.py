"""What people see cites sources they can look up, never the maintainers' notes.

Every page a logged-in person can GET (read from the URL configuration, so a new page is
covered without editing this file), the reference pages, the exports, the warning e-mail and
the password-reset e-mail are rendered for a person whose day crosses every flag, and must
not show a file name, a path, "Seed article", "FLAG", "cross-checked" or the research notes'
abbreviations (PMC, NDB, SR28). Those stay in ``tracker/data`` and the admin.

Link addresses are left out of the check: a citation links to its page (the Molecules paper
lives at .../PMC8122334/) and the export page links to its downloads (/export/entries.csv);
people read the words, not the addresses. So are CSRF tokens, whose random letters now and
then spell "NDB".
"""

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.core import mail
from django.utils import timezone

from tests.factories import (
    FoodEntryFactory,
    FoodFactory,
    SupplementProductFactory,
    SymptomEntryFactory,
    UserFactory,
)
from tests.routes import urls
from tracker.intake import FlagCode
from tracker.models import Food, IntakeEntry, MagnesiumForm, SupplementProduct, SymptomEntry

CONSUMER_WORDS = "a consumer health article, not a clinical guideline"

# Maintainer notes, compared case-sensitively ("FLAG", not the pages' "Flags") ...
EXACT = [".csv", ".txt", "shared/", "tracker/data", "FLAG", "PMC", "NDB", "SR28"]
# ... and phrases in any case.
ANY_CASE = [
    "Seed article",
    "Seeds (",
    "cross-checked",
    "cross checked",
    "computed from standard atomic weights",
]

ADDRESS = re.compile(
    r"(?:href|src|action)=\"[^\"]*\""
    r"|https?://[^\s\"'<>)]+"
    r"|name=\"csrfmiddlewaretoken\" value=\"[^\"]*\""
)

ADULT_FLAGS = {
    FlagCode.ABOVE_STARTING_RANGE,
    FlagCode.ABOVE_UL,
    FlagCode.ABOVE_DOCUMENTED_RANGE,
    FlagCode.MEDICAL_SUPERVISION,
    FlagCode.SIDE_EFFECTS,
}


def text_of(response) -> str:
    if response.streaming:
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8")


def maintainer_notes(text: str) -> list[str]:
    """The forbidden strings found in ``text``, link addresses left out."""
    words = ADDRESS.sub("", text)
    found = [s for s in EXACT if s in words]
    found += [s for s in ANY_CASE if s.casefold() in words.casefold()]
    return found


def assert_clean(what: str, text: str) -> None:
    found = maintainer_notes(text)
    assert not found, f"{what} shows maintainer notes: {found}"


def flag_block(html: str, code: str) -> str:
    """The flag's alert on a day page: from its data-flag to the next flag or section end."""
    start = html.index(f'data-flag="{code}"')
    end = min(
        i for i in (html.find("data-flag=", start + 1), html.find("</section>", start)) if i > 0
    )
    return unescape(html[start:end])


def assert_flags_cited(text: str, flags) -> None:
    """Each flag's citation title is in ``text``; consumer articles are said to be so, with
    the article's own words."""
    for flag in flags:
        assert flag.source.title in text, flag.code
        if flag.source.is_consumer_article:
            assert CONSUMER_WORDS in text, flag.code
        if flag.quote:
            assert flag.quote in text, flag.code


def log_one_serving(client, product) -> str:
    """Log a serving as people do (POST), and return the page the redirect shows, with the
    messages announcing the flags the day newly crossed."""
    response = client.post(f"/log/{product.pk}/", follow=True)
    assert response.status_code == 200
    return text_of(response)


@pytest.fixture
def person(db):
    return UserFactory(
        email="ana@example.com",
        email_warnings=True,
        has_kidney_disease=True,
    )


@pytest.fixture
def objects(person):
    glycinate = MagnesiumForm.objects.get(name__startswith="Magnesium bisglycinate")
    product = SupplementProductFactory(
        owner=person,
        name="Night calm",
        form=glycinate,
        label_basis=SupplementProduct.LabelBasis.ELEMENTAL,
        amount_per_serving_mg=Decimal("450"),
    )
    own_food = FoodFactory(owner=person, name="My seed bar", source="Entered by you")
    pumpkin = Food.objects.get(name="Pumpkin seed kernels (pepitas), roasted, unsalted")
    today = timezone.localdate()
    FoodEntryFactory(owner=person, food=pumpkin, day=today)
    FoodEntryFactory(owner=person, food=own_food, day=today - timedelta(days=1))
    symptom = SymptomEntryFactory(
        owner=person, day=today, symptom=SymptomEntry.Symptom.DIARRHEA, severity=3
    )
    return {"product": product, "own_food": own_food, "symptom": symptom}


@pytest.mark.django_db
def test_no_page_export_or_email_shows_maintainer_notes(
    client, person, objects, django_capture_on_commit_callbacks
):
    client.force_login(person)
    today = timezone.localdate().isoformat()
    mail.outbox.clear()

    # Logging crosses every flag at once: the messages on the next page and the e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        after_logging = log_one_serving(client, objects["product"])
    assert_clean("the page after logging", after_logging)
    assert len(mail.outbox) == 1
    warning = mail.outbox[0]
    (html_body, _), *_ = warning.alternatives
    assert_clean("the warning e-mail (text)", warning.subject + warning.body)
    assert_clean("the warning e-mail (HTML)", html_body)

    day_page = client.get(f"/day/{today}/")
    flags = day_page.context["overview"].flags
    assert {f.code for f in flags} == ADULT_FLAGS
    assert_flags_cited(warning.body, flags)
    assert_flags_cited(unescape(html_body), flags)

    objects["entry"] = IntakeEntry.objects.get(owner=person, product=objects["product"])
    checked = []
    # The REST API answers the person's token, not the session: its JSON is checked too.
    from api.tokens import create_token

    bearer = {
        "HTTP_AUTHORIZATION": "Bearer " + create_token(owner=person, name="t", scope="read").secret
    }
    for route, url in urls(objects, today):
        api = route.startswith("api/")
        response = client.get(url, **(bearer if api else {}))
        # 400: a one-time link with a made-up token says, on its own page, that it is invalid.
        # 404: /api/ itself (the API's addresses are below it).
        allowed = (200, 302, 400, 405) + ((404,) if url == "/api/" else ())
        assert response.status_code in allowed, (url, response.status_code)
        assert_clean(url, text_of(response))
        checked.append(url)
    # The pages this test is about are among them.
    for url in (
        "/",
        f"/day/{today}/",
        f"/week/{today}/",
        "/week/",
        "/history/",
        "/forms/",
        "/foods/",
        "/export/entries.csv",
        "/export/symptoms.csv",
        "/export/account.json",
        f"/supplements/{objects['product'].pk}/edit/",
        f"/entries/{objects['entry'].pk}/edit/",
        f"/symptoms/{objects['symptom'].pk}/edit/",
        f"/foods/mine/{objects['own_food'].pk}/edit/",
    ):
        assert url in checked, url

    # A few queries the reference pages answer differently.
    for url in (
        "/forms/?compound=&mg=",
        *(f"/forms/?compound={f.pk}&mg=1000" for f in MagnesiumForm.objects.all()),
        "/foods/?q=seeds",
        "/foods/?category=other",
        *(f"/foods/?page={n}" for n in range(2, 6)),
    ):
        assert_clean(url, text_of(client.get(url)))


@pytest.mark.django_db
def test_every_flag_shows_its_citation(client, person, objects):
    client.force_login(person)
    log_one_serving(client, objects["product"])
    today = timezone.localdate().isoformat()

    response = client.get(f"/day/{today}/")
    html = text_of(response)
    flags = response.context["overview"].flags
    assert {f.code for f in flags} == ADULT_FLAGS
    for flag in flags:
        block = flag_block(html, flag.code)
        assert flag.source.title in block, flag.code
        if flag.source.is_consumer_article:
            assert CONSUMER_WORDS in block, flag.code
            assert f"\u201c{flag.quote}\u201d" in block, flag.code
        else:
            assert CONSUMER_WORDS not in block, flag.code
    # The articles' ranges are notices from consumer articles; the authority's UL is not.
    by_code = {f.code: f for f in flags}
    assert by_code[FlagCode.ABOVE_STARTING_RANGE].source.is_consumer_article
    assert by_code[FlagCode.ABOVE_DOCUMENTED_RANGE].source.is_consumer_article
    assert not by_code[FlagCode.ABOVE_UL].source.is_consumer_article

    for url in (f"/week/{today}/", "/history/"):
        assert_flags_cited(unescape(text_of(client.get(url))), flags)


@pytest.mark.django_db
def test_the_infant_flag_cites_its_authority(client):
    today = timezone.localdate()
    baby = UserFactory(date_of_birth=today - timedelta(days=180), sex="female")
    product = SupplementProductFactory(
        owner=baby,
        label_basis=SupplementProduct.LabelBasis.ELEMENTAL,
        amount_per_serving_mg=Decimal("50"),
    )
    client.force_login(baby)
    log_one_serving(client, product)
    response = client.get(f"/day/{today.isoformat()}/")
    html = text_of(response)
    assert_clean("the infant's day", html)
    (flag,) = [
        f for f in response.context["overview"].flags if f.code == FlagCode.SUPPLEMENT_FOR_INFANT
    ]
    block = flag_block(html, flag.code)
    assert flag.source.title in block
    assert CONSUMER_WORDS not in block


@pytest.mark.django_db
def test_the_password_reset_email_and_pages(client, person):
    mail.outbox.clear()
    response = client.post("/accounts/password/reset/", {"email": person.email}, follow=True)
    assert_clean("the reset-done page", text_of(response))
    (email,) = mail.outbox
    assert_clean("the password-reset e-mail", email.subject + email.body)
    link = re.search(r"https?://testserver(/\S+)", email.body)
    assert link, email.body
    response = client.get(link[1], follow=True)
    assert response.status_code == 200
    assert_clean("the set-a-new-password page", text_of(response))


@pytest.mark.django_db
def test_the_check_catches_notes_but_not_link_addresses():
    assert maintainer_notes('<a href="https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1/">x</a>') == []
    assert maintainer_notes('<a href="/export/entries.csv">Download</a>') == []
    assert maintainer_notes("FLAG: citrate may be 1:1") == ["FLAG"]
    assert maintainer_notes("USDA SR28 / FDC SR Legacy NDB 12016") == ["NDB", "SR28"]
    assert maintainer_notes("seed article (seeds/002.txt)") == [".txt", "Seed article"]
    assert maintainer_notes("Flags") == []
    token = '<input type="hidden" name="csrfmiddlewaretoken" value="aPMCbNDBcFLAG">'
    assert maintainer_notes(token) == []


@pytest.mark.django_db
def test_an_own_target_says_whose_it_is(client):
    person = UserFactory(target_override_mg=Decimal("500"))
    client.force_login(person)
    today = timezone.localdate().isoformat()
    for url in ("/accounts/profile/", f"/day/{today}/", f"/week/{today}/", "/history/"):
        page = text_of(client.get(url))
        assert_clean(url, page)
        assert "your own target, set in your profile" in page.casefold(), url


@pytest.mark.django_db
def test_reference_figures_cite_their_sources(client, person, objects):
    client.force_login(person)
    day = text_of(client.get(f"/day/{timezone.localdate().isoformat()}/"))
    # Below the target: the food suggestions cite the food table.
    assert "Foods that would close the gap" in day
    assert "FoodData Central: SR Legacy" in day
    foods = unescape(text_of(client.get("/foods/", {"q": "my seed bar"})))
    assert "Entered by you" in foods
    forms = unescape(text_of(client.get("/forms/")))
    assert "The Fundamental Role of Magnesium in Neuromuscular Function" in forms
    assert "Quoted from" in forms and CONSUMER_WORDS in forms
