from django import template

from review.desk import desk_queues, ordered_apps

register = template.Library()


@register.simple_tag(takes_context=True)
def queues(context):
    return desk_queues(context["request"].user)


@register.filter
def in_desk_order(app_list):
    return ordered_apps(list(app_list))
