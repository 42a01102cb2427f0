"""servicekit.pagination: the contract's list pages, their arguments, schema and queries."""

import pytest
from flask import Flask
from flask_smorest import Api, Blueprint
from marshmallow import Schema, ValidationError, fields
from sqlalchemy import String, create_engine, event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from servicekit.i18n import init_babel
from servicekit.pagination import (
    PageArgs,
    fetch_page,
    offset,
    page,
    page_number,
    page_schema,
    page_size,
    paginate,
)


class ThingRead(Schema):
    name = fields.String()


class ThingEntry(Schema):
    name = fields.String()


def test_page_args_default_to_the_first_page_of_fifty():
    assert PageArgs().load({}) == {"page": 1, "per_page": 50}
    assert PageArgs().load({"page": "3", "per_page": "200"}) == {"page": 3, "per_page": 200}


@pytest.mark.parametrize(("query", "field", "english", "danish"), [
    ({"page": "0"}, "page", "Between 1 and 100000.", "Mellem 1 og 100000."),
    ({"per_page": "0"}, "per_page", "Between 1 and 200.", "Mellem 1 og 200."),
    ({"per_page": "201"}, "per_page", "Between 1 and 200.", "Mellem 1 og 200."),
])
def test_page_args_refuse_pages_out_of_range_in_the_callers_language(query, field, english, danish):
    app = Flask(__name__)
    init_babel(app)
    for language, message in (("en", english), ("da", danish)):
        with app.test_request_context(headers={"Accept-Language": language}):
            with pytest.raises(ValidationError) as refused:
                PageArgs().load(query)
            assert refused.value.messages == {field: [message]}


def test_a_list_may_bound_its_pages_or_take_another_page_size():
    class HistoryArgs(PageArgs):
        page = page_number(max_page=100)
        per_page = page_size(default=200)

    assert HistoryArgs().load({}) == {"page": 1, "per_page": 200}
    with pytest.raises(ValidationError) as refused:
        HistoryArgs().load({"page": "101"})
    assert refused.value.messages == {"page": ["Between 1 and 100."]}


def test_a_page_schema_is_named_after_its_items_and_made_once():
    assert page_schema(ThingRead).__name__ == "ThingPage"
    assert page_schema(ThingEntry, "HistoryPage").__name__ == "HistoryPage"
    assert page_schema(ThingRead) is page_schema(ThingRead) is page_schema(ThingRead, "ThingPage")
    # Another service's page under the same name keeps its own items (services share a process when embedded).
    assert page_schema(ThingRead, "HistoryPage") is not page_schema(ThingEntry, "HistoryPage")


def test_the_answer_and_its_schema():
    args = {"page": 2, "per_page": 2}
    assert offset(args) == 2
    answer = page([{"name": "c"}], 3, args)
    assert answer == {"items": [{"name": "c"}], "total": 3, "page": 2, "per_page": 2}
    assert page_schema(ThingRead)().dump(answer) == answer


def test_the_openapi_document_holds_one_component_per_page():
    app = Flask(__name__)
    app.config.update(API_TITLE="things", API_VERSION="1", OPENAPI_VERSION="3.0.3")
    blp = Blueprint("things", __name__)

    @blp.route("/things")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(ThingRead))
    def things(args):
        return page([], 0, args)

    @blp.route("/more-things")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(ThingRead))
    def more_things(args):
        return page([], 0, args)

    api = Api(app)
    api.register_blueprint(blp)
    document = api.spec.to_dict()
    assert sorted(name for name in document["components"]["schemas"] if name.startswith("Thing")) == [
        "ThingPage", "ThingRead"]
    assert document["components"]["schemas"]["ThingPage"]["required"] == ["items", "page", "per_page", "total"]
    parameters = {p["name"]: p["schema"] for p in document["paths"]["/things"]["get"]["parameters"]}
    assert parameters == {"page": {"type": "integer", "default": 1, "minimum": 1, "maximum": 100000},
                          "per_page": {"type": "integer", "default": 50, "minimum": 1, "maximum": 200}}


class Base(DeclarativeBase):
    pass


class Thing(Base):
    __tablename__ = "things"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(Thing(id=n, name=f"thing {n}") for n in range(1, 6))
        session.commit()
        yield session
    engine.dispose()


@pytest.mark.parametrize(("number", "names"), [
    (1, ["thing 1", "thing 2"]), (3, ["thing 5"]), (4, []),
])
def test_paginate_shows_the_rows_of_the_page_and_counts_them_all(session, number, names):
    query = select(Thing).order_by(Thing.id)
    answer = paginate(session, query, {"page": number, "per_page": 2}, lambda thing: thing.name)
    assert answer == {"items": names, "total": 5, "page": number, "per_page": 2}


@pytest.fixture
def statements(session):
    seen = []
    event.listen(session.get_bind(), "before_cursor_execute", lambda *call: seen.append(call[2]))
    return seen


@pytest.mark.parametrize(("number", "rows", "queries"), [
    (1, [(1, "thing 1"), (2, "thing 2")], 1),
    (3, [(5, "thing 5")], 1),
    (4, [], 2),  # past the end: no row carries the total, so it is counted apart
])
def test_fetch_page_tells_the_rows_and_the_total_in_one_query(session, statements, number, rows, queries):
    query = select(Thing.id, Thing.name).order_by(Thing.id)
    assert fetch_page(session, query, page=number, per_page=2) == (rows, 5)
    assert len(statements) == queries


def test_fetch_page_of_nothing_is_one_query(session, statements):
    assert fetch_page(session, select(Thing).where(Thing.id > 5), page=1, per_page=2) == ([], 0)
    assert len(statements) == 1


def test_a_page_number_past_the_bound_is_refused_before_it_reaches_the_database():
    from marshmallow import ValidationError

    from servicekit.pagination import MAX_PAGE, PageArgs

    assert PageArgs().load({"page": str(MAX_PAGE)})["page"] == MAX_PAGE
    with pytest.raises(ValidationError):
        PageArgs().load({"page": str(10**18)})
