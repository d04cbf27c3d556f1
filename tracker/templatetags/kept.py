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


def _block_tag(node_class, end: str):
    """A block tag ``{% tag "name" %}...{% end %}`` building ``node_class(name, nodelist)``."""

    def compile_tag(parser, token):
        bits = token.split_contents()
        if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
            raise template.TemplateSyntaxError(f'Use {{% {bits[0]} "name" %}}...{{% {end} %}}')
        nodelist = parser.parse((end,))
        parser.delete_first_token()
        return node_class(bits[1][1:-1], nodelist)

    return compile_tag


register.tag("kept_part", _block_tag(KeptPartNode, "endkept_part"))
register.tag("shared_part", _block_tag(SharedPartNode, "endshared_part"))
