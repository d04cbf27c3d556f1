"""Parts of pages rendered once and served again:

- ``{% kept_part "name" %}...{% endkept_part %}``: a part of the dashboard kept across the
  day's writes (tracker.page_cache.kept_part says under which key and why it is safe);
- ``{% shared_part "name" %}...{% endshared_part %}``: markup that is the same for everyone
  on a given page (the navigation's links, the footer), kept in this process by the page's
  URL name. Only for markup without a person's data or a CSRF token.
"""

from django import template
from django.urls import get_script_prefix
from django.utils.safestring import mark_safe

from tracker import page_cache

register = template.Library()


class KeptPartNode(template.Node):
    def __init__(self, name: str, nodelist: template.NodeList):
        self.name, self.nodelist = name, nodelist

    def render(self, context) -> str:
        # The part's HTML was rendered by the template engine, escaping and all.
        return mark_safe(page_cache.kept_part(context, self.name, self.nodelist.render))  # noqa: S308


@register.tag("kept_part")
def kept_part(parser, token):
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError('Use {% kept_part "name" %}...{% endkept_part %}')
    nodelist = parser.parse(("endkept_part",))
    parser.delete_first_token()
    return KeptPartNode(bits[1][1:-1], nodelist)


class SharedPartNode(template.Node):
    def __init__(self, name: str, nodelist: template.NodeList):
        self.name, self.nodelist = name, nodelist
        self.rendered: dict[tuple, str] = {}

    def render(self, context) -> str:
        request = context.get("request")
        match = getattr(request, "resolver_match", None)
        key = (self.name, match.url_name if match else None, get_script_prefix())
        html = self.rendered.get(key)
        if html is None:
            html = self.rendered[key] = self.nodelist.render(context)
        return html


@register.tag("shared_part")
def shared_part(parser, token):
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError('Use {% shared_part "name" %}...{% endshared_part %}')
    nodelist = parser.parse(("endshared_part",))
    parser.delete_first_token()
    return SharedPartNode(bits[1][1:-1], nodelist)
