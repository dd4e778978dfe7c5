"""Records: the package's one way of declaring a small data class, ``@record`` instead of ``@dataclass``.

``@record`` makes what ``@dataclass(frozen=True, slots=True)`` makes — an ``__init__`` taking the annotated
fields (defaults, :func:`field` with ``default_factory``, ``kw_only``, ``repr``, ``compare``), ``__repr__``,
``__eq__`` and ``__hash__`` over the fields (hashes equal to the dataclass's), ``__match_args__``, ``__slots__``,
and assignment refused (:class:`FrozenInstanceError`) — with ``frozen=False``, ``eq=False`` and ``order=True``
as :func:`dataclasses.dataclass` spells them, and ``__post_init__`` called after ``__init__``. :func:`fields`,
:func:`replace` and :func:`asdict` take the place of the :mod:`dataclasses` functions of the same names.

Why not ``@dataclass``: it compiles six small functions per class from generated source, about 1 ms each
class on import, and ``wavec check`` imports some eighty such classes before it reads a byte (issue #18; the
figures are in ``docs/performance.md`` and ``python -m benchmarks.classes`` measures them). Here nothing is
compiled when a class is made: ``__init__``, ``__eq__``, ``__hash__`` and the orderings are built the first
time each is called. One ``__init__`` is compiled per number of fields and shared by every class with that
many, its arguments renamed to the class's fields (:meth:`types.CodeType.replace`); likewise the comparisons,
whose attribute names are renamed. Constructing an instance calls one slot setter per field, less than a
frozen dataclass's ``object.__setattr__`` per field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, overload

__all__ = ["MISSING", "Field", "FrozenInstanceError", "asdict", "field", "fields", "is_record", "record", "replace"]

T = TypeVar("T")
C = TypeVar("C", bound=type)


class FrozenInstanceError(AttributeError):
    """Assigning to (or deleting) a field of a frozen record."""


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""No default was given (a :class:`Field`'s ``default`` or ``default_factory``)."""


class Field:
    """One field of a record, as :func:`fields` lists them."""

    __slots__ = ("compare", "default", "default_factory", "kw_only", "name", "repr")

    def __init__(self, default: Any = MISSING, default_factory: Any = MISSING, kw_only: bool = False,
                 repr: bool = True, compare: bool = True) -> None:
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.kw_only = kw_only
        self.repr = repr
        self.compare = compare

    def __repr__(self) -> str:
        return f"Field({self.name!r})"


@overload
def field(*, default: T, kw_only: bool = ..., repr: bool = ..., compare: bool = ...) -> T: ...
@overload
def field(*, default_factory: Callable[[], T], kw_only: bool = ..., repr: bool = ..., compare: bool = ...) -> T: ...
@overload
def field(*, kw_only: bool = ..., repr: bool = ..., compare: bool = ...) -> Any: ...
def field(*, default: Any = MISSING, default_factory: Any = MISSING, kw_only: bool = False, repr: bool = True,
          compare: bool = True) -> Any:
    """A field with options, as :func:`dataclasses.field` (``default``, ``default_factory``, ``kw_only``,
    ``repr``, ``compare``)."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot give both default and default_factory")
    return Field(default, default_factory, kw_only, repr, compare)


# (fields, calls __post_init__) → a function that makes an __init__ of that many fields from one setter per
# field: compiled once, its arguments renamed (and split into positional and keyword-only) per class.
_MAKERS: dict[tuple[int, bool], Callable[..., Callable[..., None]]] = {}


def _maker(n: int, post_init: bool) -> Callable[..., Callable[..., None]]:
    key = (n, post_init)
    found = _MAKERS.get(key)
    if found is None:
        signature = ", ".join(["self", *(f"f{i}" for i in range(n))])
        body = [f"  s{i}(self, f{i})" for i in range(n)] + (["  self.__post_init__()"] if post_init else [])
        source = (f"def make({', '.join(f's{i}' for i in range(n))}):\n"
                  f" def __init__({signature}):\n" + "\n".join(body or ["  pass"]) + "\n return __init__\n")
        namespace: dict[str, Any] = {}
        exec(compile(source, f"<record init of {n}>", "exec"), namespace)
        found = _MAKERS[key] = namespace["make"]
    return found


def _lazy(cls: type, name: str, build: Callable[[], Callable[..., Any]]) -> Callable[..., Any]:
    """A method that, called the first time, builds the real one, puts it on the class and calls it: a class
    never constructed (or compared) in a run never compiles its methods."""

    def first_call(self: Any, *args: Any, **kwargs: Any) -> Any:
        method = build()
        setattr(cls, name, method)
        return method(self, *args, **kwargs)

    first_call.__name__ = first_call.__qualname__ = name
    return first_call


def _setter(store: Callable[[Any, Any], None], factory: Callable[[], Any] | None) -> Callable[[Any, Any], None]:
    if factory is None:
        return store

    def set_or_make(obj: Any, value: Any) -> None:
        store(obj, factory() if value is MISSING else value)

    return set_or_make


def _has_default(f: Field) -> bool:
    return f.default is not MISSING or f.default_factory is not MISSING


def _is_class_var(annotation: object) -> bool:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__qualname__", "")
    return isinstance(text, str) and text.startswith(("ClassVar", "typing.ClassVar"))


def _build(cls: type, frozen: bool, eq: bool, order: bool) -> type:
    if any("__record_fields__" in vars(base) for base in cls.__mro__[1:]):
        raise TypeError(f"{cls.__qualname__}: a record does not derive from another record")
    annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 (strings, not evaluated)
    namespace = dict(cls.__dict__)
    found: list[Field] = []
    for name, annotation in annotations.items():
        if _is_class_var(annotation):
            continue
        value = namespace.pop(name, MISSING)
        f = value if isinstance(value, Field) else Field(default=value)
        f.name = name
        found.append(f)
    positional = [f for f in found if not f.kw_only]
    keyword = [f for f in found if f.kw_only]
    seen_default = False
    for f in positional:
        has = _has_default(f)
        if seen_default and not has:
            raise TypeError(f"{cls.__qualname__}: non-default argument {f.name!r} follows default argument")
        seen_default = seen_default or has
    names = tuple(f.name for f in found)
    for extra in ("__dict__", "__weakref__"):
        namespace.pop(extra, None)
    namespace["__slots__"] = names
    namespace["__record_fields__"] = tuple(found)
    namespace["__match_args__"] = tuple(f.name for f in positional)
    new = type(cls)(cls.__name__, cls.__bases__, namespace)
    new.__qualname__ = cls.__qualname__

    post_init = "__post_init__" in namespace

    def build_init() -> Callable[..., None]:
        stores = {name: vars(new)[name].__set__ for name in names}
        ordered = positional + keyword
        init = _maker(len(ordered), post_init)(
            *(_setter(stores[f.name], None if f.default_factory is MISSING else f.default_factory) for f in ordered))
        init.__code__ = init.__code__.replace(co_varnames=("self", *(f.name for f in ordered)),
                                              co_argcount=1 + len(positional), co_kwonlyargcount=len(keyword),
                                              co_qualname=f"{new.__qualname__}.__init__")
        init.__qualname__ = f"{new.__qualname__}.__init__"
        init.__module__ = new.__module__
        # A field with a factory defaults to MISSING, which its setter replaces with a new value.
        init.__defaults__ = tuple(f.default for f in positional if _has_default(f)) or None
        init.__kwdefaults__ = {f.name: f.default for f in keyword if _has_default(f)} or None
        return init

    methods: dict[str, Any] = {"__init__": _lazy(new, "__init__", build_init),
                               "__repr__": _repr(tuple(f.name for f in found if f.repr))}
    if eq:
        compared = tuple(f.name for f in found if f.compare)
        built: dict[str, Callable[..., Any]] = {}

        def comparer(name: str) -> Callable[..., Any]:
            def build() -> Callable[..., Any]:
                if not built:
                    built.update(_comparers(compared, new.__qualname__))
                return built[name]

            return _lazy(new, name, build)

        methods["__eq__"] = comparer("__eq__")
        methods["__hash__"] = comparer("__hash__") if frozen else None
        if order:
            methods.update({k: comparer(k) for k in ("__lt__", "__le__", "__gt__", "__ge__")})
    if frozen:
        methods.update(__setattr__=_refuse_set, __delattr__=_refuse_delete, __reduce__=_reduce)
    # As @dataclass: what the class body writes itself is kept; an __eq__ written there sets __hash__ to None,
    # which is not a __hash__ written by hand.
    explicit_hash = "__hash__" in cls.__dict__ and not (cls.__dict__["__hash__"] is None and "__eq__" in cls.__dict__)
    for name, method in methods.items():
        if name in cls.__dict__ and (name != "__hash__" or explicit_hash):
            continue
        setattr(new, name, method)
    return new


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


# Fields compared → __eq__, __hash__ and the orderings over that many fields, compiled once with the attribute
# names a0, a1, …, which each class renames to its fields (the code reads them as fast as a dataclass's).
_COMPARERS: dict[int, dict[str, Any]] = {}
_COMPARER_SOURCE = """\
def __eq__(self, other):
    if other.__class__ is self.__class__:
        return ({a}) == ({b})
    return NotImplemented
def __hash__(self):
    return hash(({a}))
def __lt__(self, other):
    if other.__class__ is self.__class__:
        return ({a}) < ({b})
    return NotImplemented
def __le__(self, other):
    if other.__class__ is self.__class__:
        return ({a}) <= ({b})
    return NotImplemented
def __gt__(self, other):
    if other.__class__ is self.__class__:
        return ({a}) > ({b})
    return NotImplemented
def __ge__(self, other):
    if other.__class__ is self.__class__:
        return ({a}) >= ({b})
    return NotImplemented
"""


def _comparers(names: tuple[str, ...], qualname: str) -> dict[str, Callable[..., Any]]:
    n = len(names)
    templates = _COMPARERS.get(n)
    if templates is None:
        a = "".join(f"self.a{i}, " for i in range(n))
        b = "".join(f"other.a{i}, " for i in range(n))
        namespace: dict[str, Any] = {}
        exec(compile(_COMPARER_SOURCE.format(a=a, b=b), f"<record comparisons of {n}>", "exec"), namespace)
        templates = _COMPARERS[n] = {k: v for k, v in namespace.items() if k.startswith("__") and k != "__builtins__"}
    renamed = {f"a{i}": name for i, name in enumerate(names)}
    out: dict[str, Callable[..., Any]] = {}
    for name, template in templates.items():
        code = template.__code__
        code = code.replace(co_names=tuple(renamed.get(x, x) for x in code.co_names),
                            co_qualname=f"{qualname}.{name}")
        out[name] = type(template)(code, template.__globals__, name)
    return out


def _refuse_set(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _refuse_delete(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _reduce(self: Any) -> tuple[Any, ...]:
    # Pickling and copy.copy would restore the slots with setattr, which a frozen record refuses.
    return _rebuilt, (self.__class__, tuple(getattr(self, f.name) for f in self.__record_fields__))


def _rebuilt(cls: type, values: tuple[Any, ...]) -> Any:
    obj: Any = object.__new__(cls)
    for f, value in zip(cls.__record_fields__, values, strict=True):  # type: ignore[attr-defined]
        vars(cls)[f.name].__set__(obj, value)
    return obj


if TYPE_CHECKING:
    from typing_extensions import dataclass_transform

    @overload
    @dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
    def record(cls: C, /) -> C: ...
    @overload
    @dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
    def record(*, frozen: bool = True, eq: bool = True, order: bool = False) -> Callable[[C], C]: ...
    @dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
    def record(cls: C | None = None, /, *, frozen: bool = True, eq: bool = True, order: bool = False
               ) -> C | Callable[[C], C]:
        """Type checkers' view of :func:`record` (below)."""
else:
    def record(cls=None, /, *, frozen=True, eq=True, order=False):
        """Make ``cls`` a record (see the module's documentation): ``@record`` or ``@record(frozen=False)``."""
        if cls is not None:
            return _build(cls, frozen, eq, order)
        return lambda c: _build(c, frozen, eq, order)


def fields(obj: object) -> tuple[Field, ...]:
    """The fields of a record (class or instance), in the order they were declared."""
    found: tuple[Field, ...] | None = getattr(obj, "__record_fields__", None)
    if found is None:
        raise TypeError(f"{obj!r} is not a record")
    return found


def is_record(obj: object) -> bool:
    """Whether ``obj`` is a record class or instance."""
    return hasattr(obj, "__record_fields__")


R = TypeVar("R")


def replace(obj: R, /, **changes: Any) -> R:
    """A copy of the record ``obj`` with ``changes`` made, as :func:`dataclasses.replace`."""
    for f in fields(obj):
        if f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    made: R = obj.__class__(**changes)
    return made


def asdict(obj: object) -> dict[str, Any]:
    """The fields of the record ``obj`` as a dict, records in them (in lists, tuples and dicts too) converted."""
    return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj)}


def _plain(value: Any) -> Any:
    if is_record(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return type(value)(*(_plain(v) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value

